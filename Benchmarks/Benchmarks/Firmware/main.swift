import BenchmarkSupport
import BulwarkFirmware
import Foundation


/// Firmware scanning throughput, for firmware-throughput.sh and firmware-vs-cve-bin-tool.sh.
///
///     Firmware ROOT [ROUNDS] [--components-only]
///
/// Analyses the image or root directory ROUNDS times (default 3) with every inspection on (unpacking, credentials,
/// components, keys, services and hardening, fingerprints) and prints, per round, the bytes read, wall and CPU seconds
/// and MB/s, then the median, then the components of the last round as `component<TAB>name<TAB>version<TAB>file`
/// lines. With `--components-only`, each round unpacks and identifies components and nothing else: the work a version
/// scanner such as cve-bin-tool's does.
var arguments = CommandLine.arguments
let componentsOnly = arguments.contains("--components-only")
arguments.removeAll { $0 == "--components-only" }
guard arguments.count >= 2 else {
    FileHandle.standardError.write(Data("usage: Firmware ROOT [ROUNDS] [--components-only]\n".utf8))
    exit(2)
}
let root = arguments[1]
let rounds = arguments.count > 2 ? max(1, Int(arguments[2]) ?? 3) : 3

let analyzer = FirmwareAnalyzer()
var rates: [Double] = []
var last: [IdentifiedComponent] = []
for round in 1...rounds {
    var steps: [(FirmwareAnalyzer.Step, ContinuousClock.Instant)] = []
    let cpuBefore = processCPUSeconds()
    let started = ContinuousClock.now
    let bytes: Int
    let files: Int
    let components: [IdentifiedComponent]
    do {
        if componentsOnly {
            steps.append((.unpacking, ContinuousClock.now))
            let tree = try analyzer.unpacker.unpack(path: root)
            steps.append((.components, ContinuousClock.now))
            components = analyzer.components.scan(tree)
            bytes = tree.regularFiles.reduce(0) { $0 + $1.content.count }
            files = tree.regularFiles.count
        } else {
            let report = try analyzer.analyze(path: root, now: Date()) { steps.append(($0, ContinuousClock.now)) }
            bytes = report.extraction.bytes
            files = report.extraction.regularFiles
            components = report.components
        }
    } catch {
        FileHandle.standardError.write(Data("\(root): \(error)\n".utf8))
        exit(1)
    }
    let finished = ContinuousClock.now
    let wall = (finished - started) / .seconds(1)
    let cpu = processCPUSeconds() - cpuBefore
    let megabytes = Double(bytes) / 1_000_000
    rates.append(megabytes / wall)
    var split: [String] = []
    for (offset, step) in steps.enumerated() {
        let end = offset + 1 < steps.count ? steps[offset + 1].1 : finished
        split.append(String(format: "%@ %.2f s", step.0.rawValue, (end - step.1) / .seconds(1)))
    }
    print(
        String(
            format: "round %d: %.1f MB in %d files, %.2f s wall, %.2f s CPU, %.1f MB/s (%@)", round, megabytes, files,
            wall, cpu, megabytes / wall, split.joined(separator: ", ")))
    last = components
}
let sorted = rates.sorted()
print(String(format: "median: %.1f MB/s over %d rounds", sorted[sorted.count / 2], rounds))
for component in last {
    print("component\t\(component.name)\t\(component.version)\t\(component.evidence.first?.file ?? "")")
}
