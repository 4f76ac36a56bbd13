#!/usr/bin/env bash
# make cluster-test: the news_corpus DAG on a real multi-worker cluster (cluster/cluster.sh, in .cluster/test) with
# its data root on S3, for a sharded sample day, checked against a local single-process run of the same day;
# then the same day under three faults. Each stage starts from an empty data root and passes when its DAG run
# succeeded and the dataset in S3 is byte-identical to the local run's, with no article twice:
#   baseline     one DAG run
#   kill-worker  kill -9 the worker running an extract_shard task, then start it again
#   s3-outage    the object store unreachable for 5 s, from the upload of a dataset file on (cluster/s3proxy.py)
#   two-runs     two DAG runs of the same day at once (one of them may fail; the dataset must be right)
# The cluster is stopped at the end, also on failure, and nothing of it may be left running. Exit 1 on any failure.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export CLUSTER_DIR=$REPO/.cluster/test
REFERENCE=$REPO/.cluster/test-reference
DAY=2022-01-06
CONF="{\"day\": \"$DAY\", \"shards\": 3}"
OUTAGE_SECONDS=5
RUN_TIMEOUT=480

cluster() { bash "$REPO/cluster/cluster.sh" "$@"; }
ctl() { "$REPO/.venv/bin/python" "$REPO/cluster/ctl.py" "$@"; }
now() { echo "${EPOCHREALTIME/./}"; }  # microseconds
since() { local us=$(($(now) - $1)); printf '%d.%d' $((us / 1000000)) $((us / 100000 % 10)); }

SUMMARY=()
FAILED=0
NOTE=""  # what a stage did, for its PASS/FAIL line

# result STATUS NAME STARTED: one PASS/FAIL/SKIP line, printed now and again in the summary.
result() {
    local line
    line=$(printf '%-4s %-16s %6s s  %s' "$1" "$2" "$(since "$3")" "$NOTE")
    echo "$line"
    SUMMARY+=("$line")
    [[ $1 == PASS ]] || FAILED=1
}

finish() {
    local status=$?
    trap - EXIT
    echo "=== stopping the cluster"
    cluster stop || status=1
    echo "=== summary"
    printf '%s\n' "${SUMMARY[@]}"
    if ((status != 0 || FAILED != 0)); then
        echo "cluster-test: FAILED (state and logs: $CLUSTER_DIR)"
        exit 1
    fi
    echo "cluster-test: all stages passed"
}

# check RUN_ID...: wait for the runs, show every try (and the log tail of each failed one), compare the dataset.
# With ALLOW_FAILED=1 one successful run is enough.
check() {
    local ok=0 runs
    runs=$(ctl wait-runs "$@" --timeout "$RUN_TIMEOUT") || ok=1
    echo "$runs"
    NOTE+="${NOTE:+; }$(echo "$runs" | sed 's/^ *DAG run //' | paste -sd, - | sed 's/,/, /g')"
    if ((ok != 0)) && [[ ${ALLOW_FAILED:-} == 1 ]] && grep -q ": success in" <<< "$runs"; then
        ok=0
    fi
    for run in "$@"; do
        echo "--- tries of $run (worker host, duration)"
        ctl tries "$run" --logs
    done
    echo "--- the dataset in S3 against the local run"
    "$REPO/.venv/bin/python" "$REPO/cluster/compare.py" "$REFERENCE" || { ok=1; NOTE+="; dataset differs"; }
    return $ok
}

baseline() {
    ctl trigger baseline "$CONF" && check baseline
}

kill_worker() {
    local host index worker tries
    ctl trigger kill-worker "$CONF" || return 1
    read -r host index < <(ctl wait-task-running kill-worker extract_shard) || return 1
    worker=$(tr ' ' '\n' <<< "$CLUSTER_WORKERS" | sed -n "s/@$host\$//p")
    cluster kill-worker "$worker" && cluster start-worker "$worker" || return 1
    NOTE="killed $worker ($host) running extract_shard[$index], started it again"
    check kill-worker || return 1
    # The killed try must have failed and another try have succeeded (else the kill came too late to matter).
    tries=$(ctl tries kill-worker) || return 1
    grep -Eq "extract_shard\[$index\] +try [2-9] +success" <<< "$tries" \
        || { NOTE+="; extract_shard[$index] was not retried"; return 1; }
}

s3_outage() {
    local armed=$CLUSTER_DIR/s3proxy.arm cut=$CLUSTER_DIR/s3proxy.cut ok=0
    rm -f "$cut"
    # Armed before the trigger: the upload of the first dataset file (a part of it, or all of it) is cut off.
    echo "$OUTAGE_SECONDS ^PUT /[^?]*/articles/" > "$armed"
    ctl trigger s3-outage "$CONF" || return 1
    check s3-outage || ok=1
    echo 0 > "$armed"  # disarmed, should no such write have come
    if [[ -f $cut ]]; then
        NOTE="store cut off for $OUTAGE_SECONDS s at $(sed 's/?.*//' "$cut"); $NOTE"
    else
        NOTE+="; no dataset write reached the proxy" ok=1
    fi
    return $ok
}

two_runs() {
    ctl trigger two-runs-a "$CONF" && ctl trigger two-runs-b "$CONF" && ALLOW_FAILED=1 check two-runs-a two-runs-b
}

# stage NAME FUNCTION: FUNCTION from an empty data root, as one PASS/FAIL line.
stage() {
    local started
    echo "=== $1"
    started=$(now) NOTE=""
    ctl bucket wipe
    if "$2"; then result PASS "$1" "$started"; else result FAIL "$1" "$started"; fi
}

trap finish EXIT
trap 'exit 130' INT TERM

echo "=== the local reference: $DAY in one process"
started=$(now) NOTE="$REFERENCE"
rm -rf "$REFERENCE"
if NEWS_CORPUS_PROCESSES=1 "$REPO/.venv/bin/python" -m pipeline run --day "$DAY" --sources "$REPO/sources.yaml" \
    --data "$REFERENCE"; then
    result PASS reference "$started"
else
    result FAIL reference "$started"
    exit 1
fi

echo "=== starting the cluster"
started=$(now) NOTE="$CLUSTER_DIR"
cluster start || { result FAIL cluster-start "$started"; exit 1; }
result PASS cluster-start "$started"
# shellcheck source=/dev/null
source "$CLUSTER_DIR/env"
ctl unpause

stage baseline baseline
if ((FAILED)); then
    NOTE="the DAG fails without a fault" && result SKIP "fault cases" "$(now)"
else
    stage kill-worker kill_worker
    stage s3-outage s3_outage
    stage two-runs two_runs
fi
