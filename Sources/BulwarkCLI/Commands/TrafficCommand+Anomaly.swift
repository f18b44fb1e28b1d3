import ArgumentParser
import BulwarkNetwork
import Foundation

/// `--train N` (packets) or `--train Ns` (seconds): the anomaly detector's training window at the start of the traffic.
struct TrainingWindowArgument: ExpressibleByArgument {
    var window: AnomalyDetector.TrainingWindow

    init?(argument: String) {
        if argument.hasSuffix("s"), let seconds = Double(argument.dropLast()), seconds > 0 {
            window = .seconds(seconds)
        } else if let packets = Int(argument), packets >= 10 {
            // Fewer than ten packets cannot hold the mapping, training and calibration shares.
            window = .packets(packets)
        } else {
            return nil
        }
    }
}

/// The anomaly detector over one `traffic analyze` run, and the optional per-packet export of features and scores
/// (for comparing detectors in Benchmarks/).
struct TrafficAnomalyRun {
    var monitor: AnomalyMonitor
    private var export: FileHandle?
    private var pending = ""

    init(training: AnomalyDetector.TrainingWindow, featureCount: Int, exportPath: String?) throws {
        monitor = AnomalyMonitor(featureCount: featureCount, training: training)
        if let exportPath {
            guard FileManager.default.createFile(atPath: exportPath, contents: nil), let handle = FileHandle(forWritingAtPath: exportPath) else {
                throw CLIError("cannot write \(exportPath)")
            }
            export = handle
            pending =
                "file\tpacket\ttime\tsource\tdestination\tsource_port\tdestination_port\ttransport\tlength\tphase\tscore\t"
                + (0..<featureCount).map { "f\($0)" }.joined(separator: "\t") + "\n"
        }
    }

    mutating func observe(_ packet: DecodedPacket, features: [Double], file: String) {
        let score = monitor.observe(packet, features: features, origin: file)
        guard let export else { return }
        pending += "\(file)\t\(packet.number)\t\(packet.seconds)\t\(packet.source)\t\(packet.destination)\t\(packet.sourcePort)\t"
        pending += "\(packet.destinationPort)\t\(packet.transport)\t\(packet.ipLength)\t\(score?.phase.rawValue ?? "mapping")\t"
        pending += score.map { "\($0.value)" } ?? ""
        for value in features { pending += "\t\(value)" }
        pending += "\n"
        if pending.utf8.count > 1 << 20 {
            export.write(Data(pending.utf8))
            pending = ""
        }
    }

    mutating func finish() {
        guard let export else { return }
        export.write(Data(pending.utf8))
        pending = ""
        try? export.close()
    }
}
