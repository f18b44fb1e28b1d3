#!/usr/bin/env bash
# Bulwark's anomaly detector (autoencoder ensemble) against scikit-learn's IsolationForest and River's HalfSpaceTrees on
# the same per-packet features, the same benign training prefix and the same labels. Prints ROC-AUC, detection rate at
# 1e-3 and 1e-2 false-positive rate, and false alerts per hour at each detector's own threshold.
#
#   Benchmarks/anomaly-vs-python.sh
#   TRAIN=1000 Benchmarks/anomaly-vs-python.sh
#
# Data: ../shared/data/pcap/malicious-7.pcap (Stratosphere IPS, test7-malicious): a Raspberry Pi, 192.168.2.16, boots
# (DHCP, DNS to 8.8.8.8, NTP, mDNS), is reached over SSH from the router 192.168.2.1, and from about 480 s into the
# capture scans random public addresses on TCP 23, 2323, 8080 and 9527 (Mirai-style telnet scanning).
#
# Ground truth, per packet, decided from the packet alone:
#   malicious  TCP between 192.168.2.16 and an address outside 192.168.2.0/24 whose port on the far side is one of the
#              scanned ports (23, 2323, 8080, 9527): the scan probes and the replies they draw;
#   benign     every other packet (other hosts, DHCP, DNS, NTP, mDNS, and the router's SSH session, which already runs
#              inside the training window).
# The script checks that the training prefix holds no malicious packet and stops otherwise.
#
# Training: the first TRAIN packets (default 1000, the first ~400 s, all before the scan). Bulwark maps features on the
# first 10 %, trains on the next 70 % and fits its threshold to the last 20 % (log-normal, 1 − 1e-4 quantile). The peers
# are fitted on the same first 80 % and their thresholds fitted the same way to their scores of the last 20 %; all three
# are frozen after the prefix. Everything after the prefix is the test set.
#
# The other shared captures are not used for figures: c2-beacon-capture-1.pcap holds only the infected host's traffic
# with its C2 servers, and ssh-bruteforce.pcap only the brute force, so neither has a benign prefix to train on.
set -euo pipefail
cd "$(dirname "$0")/.."
DATA="${BULWARK_SHARED_DATA:-../shared/data}"
TRAIN="${TRAIN:-1000}"
CAPTURE="$DATA/pcap/malicious-7.pcap"

python3 -c "import sklearn, river" 2>/dev/null || python3 -m pip install -q --disable-pip-version-check scikit-learn river

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

echo "==> building bulwark"
swift build --product bulwark >/dev/null
BULWARK="$(swift build --show-bin-path)/bulwark"

echo "==> scoring $CAPTURE with a $TRAIN-packet training window, exporting the features"
"$BULWARK" traffic analyze "$CAPTURE" --train "$TRAIN" --export-scores "$work/features.tsv" >"$work/report.txt"
grep '^anomaly detector' "$work/report.txt"

python3 - "$work/features.tsv" <<'PY'
import csv, ipaddress, math, statistics, sys
import numpy as np
from river import anomaly, compose, preprocessing
from sklearn.ensemble import IsolationForest
from sklearn.metrics import roc_auc_score, roc_curve

INFECTED = "192.168.2.16"
HOME = ipaddress.ip_network("192.168.2.0/24")
SCANNED = {23, 2323, 8080, 9527}
FALSE_ALARM = 1e-4

def malicious(row):
    if row["transport"] != "6":
        return False
    src, dst = row["source"], row["destination"]
    if src == INFECTED and ipaddress.ip_address(dst) not in HOME:
        return int(row["destination_port"]) in SCANNED
    if dst == INFECTED and ipaddress.ip_address(src) not in HOME:
        return int(row["source_port"]) in SCANNED
    return False

rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
columns = [c for c in rows[0] if c[0] == "f" and c[1:].isdigit()]
features = np.array([[float(r[c]) for c in columns] for r in rows])
labels = np.array([malicious(r) for r in rows])
times = np.array([float(r["time"]) for r in rows])
train = np.array([r["phase"] != "detecting" for r in rows])
n_train = int(train.sum())
if labels[train].any():
    sys.exit(f"the training prefix holds {int(labels[train].sum())} malicious packets: choose a shorter TRAIN")
fit_end = n_train - n_train // 5  # first 80 % of the prefix, as Bulwark's mapping + training
test = ~train
y = labels[test]
hours = (times[test].max() - times[test].min()) / 3600

def lognormal_threshold(scores):
    logs = [math.log(max(s, 1e-300)) for s in scores]
    z = statistics.NormalDist().inv_cdf(1 - FALSE_ALARM)
    return math.exp(statistics.fmean(logs) + z * statistics.stdev(logs))

def report(name, calibration, scores):
    threshold = lognormal_threshold(calibration)
    fpr, tpr, _ = roc_curve(y, scores)
    def dr(at):
        return max(t for f, t in zip(fpr, tpr) if f <= at)
    false_alerts = int(((scores > threshold) & ~y).sum())
    detected = int(((scores > threshold) & y).sum())
    print(f"{name:<30} {roc_auc_score(y, scores):>8.4f} {dr(1e-3):>10.4f} {dr(1e-2):>10.4f} {false_alerts / hours:>13.1f} "
          f"{detected / y.sum():>11.4f}")

bulwark = np.array([float(r["score"]) for r in rows[n_train:]])
bulwark_calibration = [float(r["score"]) for r in rows[:n_train] if r["phase"] == "calibrating"]

forest = IsolationForest(n_estimators=100, random_state=7).fit(features[:fit_end])
forest_scores = -forest.score_samples(features[test])
forest_calibration = -forest.score_samples(features[fit_end:n_train])

trees = compose.Pipeline(preprocessing.MinMaxScaler(), anomaly.HalfSpaceTrees(n_trees=25, height=15, window_size=250, seed=7))
def as_dict(vector): return {c: v for c, v in zip(columns, vector)}
for vector in features[:fit_end]:
    trees.learn_one(as_dict(vector))
trees_calibration = [trees.score_one(as_dict(v)) for v in features[fit_end:n_train]]
trees_scores = np.array([trees.score_one(as_dict(v)) for v in features[test]])

benign = int((~y).sum())
print(f"\ntraining prefix: {n_train} packets (fit {fit_end}, calibrate {n_train - fit_end}); "
      f"test: {int(test.sum())} packets, {int(y.sum())} malicious, {benign} benign, over {hours * 3600:.0f} s")
print(f"one benign false positive is an FPR of {1 / benign:.2g}: DR@1e-3 allows none, DR@1e-2 allows {int(0.01 * benign)}")
print(f"thresholds: log-normal fit to each detector's calibration scores, quantile 1 - {FALSE_ALARM}\n")
print(f"{'detector':<30} {'ROC-AUC':>8} {'DR@1e-3':>10} {'DR@1e-2':>10} {'false alerts/h':>13} {'DR@thresh':>11}")
report("Bulwark autoencoder ensemble", bulwark_calibration, bulwark)
report("scikit-learn IsolationForest", forest_calibration, forest_scores)
report("River HalfSpaceTrees", trees_calibration, trees_scores)
PY
