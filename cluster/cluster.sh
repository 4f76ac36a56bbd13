#!/usr/bin/env bash
# A real multi-worker Airflow cluster on this machine, every server on loopback and on ports free at start:
#   Redis (the Celery broker), PostgreSQL (Airflow's metadata DB and Celery's result backend), moto's S3 server
#   (the data root, s3://news-corpus/cluster) behind cluster/s3proxy.py (which the fault test can cut off),
#   and Airflow: API server, scheduler, DAG processor, and two Celery workers, each with its own home, log
#   folder, temp dir, loopback address (its host name) and log server, sharing only the repo's code and inputs.
#
#   cluster/cluster.sh start | stop | info | kill-worker NAME | start-worker NAME
#
# Its state (settings, pids, logs, databases) is in $CLUSTER_DIR (default .cluster/ui); `source $CLUSTER_DIR/env`
# gives a shell the cluster's settings, e.g. for the airflow CLI. Every process is started in a session of its
# own (setsid), so that stopping it stops what it started, Airflow's task processes included.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUN=$(realpath -m "${CLUSTER_DIR:-$REPO/.cluster/ui}")
BIN=$REPO/.venv/bin
# Each worker's loopback address: its host name in Airflow, and where its log server listens.
declare -A WORKER_ADDRESS=([worker1]=127.0.0.2 [worker2]=127.0.0.3)
# Either worker can run the three shards of the sample day at once, so the other one may die.
WORKER_CONCURRENCY=3
# Started in this order, stopped in the reverse one.
COMPONENTS=(redis moto s3proxy api-server scheduler dag-processor
            worker1-logs worker1 worker2-logs worker2)

say() { echo "cluster: $*"; }
now() { echo "${EPOCHREALTIME/./}"; }  # microseconds
since() { local us=$(($(now) - $1)); printf '%d.%d' $((us / 1000000)) $((us / 100000 % 10)); }

# --- packages -------------------------------------------------------------------------------------------------

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }

install_packages() {
    local missing=()
    command -v redis-server > /dev/null || missing+=(redis-server)
    [[ -x "$(pg_bin)/postgres" ]] || missing+=(postgresql)
    command -v ps > /dev/null || missing+=(procps)
    [[ ${#missing[@]} -eq 0 ]] && return
    say "installing ${missing[*]} (apt)"
    # The packages' own services (redis on 6379, the postgres "main" cluster) must not start: the cluster runs
    # its own servers. policy-rc.d is Debian's switch for that; an existing one is left alone.
    local policy=/usr/sbin/policy-rc.d own_policy=
    if [[ ! -e $policy ]]; then
        printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod 755 "$policy" && own_policy=1
    fi
    local status=0
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" > /dev/null; } \
        || status=$?
    [[ -z $own_policy ]] || rm -f "$policy"
    return $status
}

# --- processes ------------------------------------------------------------------------------------------------

alive() { [[ -f $RUN/pids/$1 ]] && kill -0 "$(cat "$RUN/pids/$1")" 2> /dev/null; }
# The live processes of session $1 (a zombie is dead, just not yet reaped by init).
session_pids() { ps -eo pid=,sid=,stat= | awk -v sid="$1" '$2 == sid && $3 !~ /^Z/ { print $1 }'; }
# Every process started for this cluster carries CLUSTER_MEMBER=$RUN in its environment, whatever its session.
member_pids() {
    local environ
    for environ in /proc/[0-9]*/environ; do
        grep -qzx "CLUSTER_MEMBER=$RUN" "$environ" 2> /dev/null && basename "$(dirname "$environ")"
    done
    return 0
}

# spawn NAME HOME HOSTNAME COMMAND...: start COMMAND in a session of its own, in HOME (its AIRFLOW_HOME, working
# directory, log folder and temp dir), Airflow host name HOSTNAME; output in $RUN/logs/NAME.log.
spawn() {
    local name=$1 home=$2 host=$3
    shift 3
    mkdir -p "$home/logs" "$home/tmp"
    (
        cd "$home"
        export CLUSTER_MEMBER=$RUN CLUSTER_HOSTNAME=$host AIRFLOW_HOME=$home TMPDIR=$home/tmp
        export AIRFLOW__LOGGING__BASE_LOG_FOLDER=$home/logs
        exec setsid "$@" > "$RUN/logs/$name.log" 2>&1 < /dev/null
    ) &
    echo $! > "$RUN/pids/$name"
}

# wait_port NAME PORT [ADDRESS]: wait until the process NAME listens; on failure show its log.
wait_port() {
    "$BIN/python" "$REPO/cluster/ctl.py" wait-tcp "$2" --host "${3:-127.0.0.1}" --pid "$(cat "$RUN/pids/$1")" \
        || { tail -n 30 "$RUN/logs/$1.log"; return 1; }
}

# stop_component NAME: SIGTERM to the process, then SIGKILL to whatever is left of its session after 30 s.
stop_component() {
    local name=$1 pid left
    [[ -f $RUN/pids/$name ]] || return 0
    pid=$(cat "$RUN/pids/$name")
    kill -TERM "$pid" 2> /dev/null || true
    for _ in $(seq 60); do
        [[ -z $(session_pids "$pid") ]] && break
        sleep 0.5
    done
    left=$(session_pids "$pid")
    if [[ -n $left ]]; then
        say "$name: killing what is left of it: $(echo $left)"
        kill -KILL $left 2> /dev/null || true
    fi
    rm -f "$RUN/pids/$name"
}

# --- PostgreSQL -------------------------------------------------------------------------------------------------

# The postgres user owns the database files and must reach them: in the run dir when it can (not when the repo
# is under /root, say), else in a directory of its own under /tmp.
pg_root() {
    mkdir -p "$RUN/pg" && chown postgres: "$RUN/pg"
    if runuser -u postgres -- test -w "$RUN/pg"; then
        echo "$RUN/pg"
    else
        rmdir "$RUN/pg"
        mktemp -d /tmp/news-corpus-cluster-pg.XXXXXX
    fi
}

# pg PROGRAM ARGS...: one of PostgreSQL's programs, as the postgres user.
pg() {
    local program=$1
    shift
    runuser -u postgres -- env CLUSTER_MEMBER="$RUN" "$(pg_bin)/$program" "$@"
}

start_postgres() {
    chown postgres: "$CLUSTER_PGROOT"
    echo "$CLUSTER_PG_PASSWORD" > "$CLUSTER_PGROOT/password"
    chmod 600 "$CLUSTER_PGROOT/password" && chown postgres: "$CLUSTER_PGROOT/password"
    pg initdb -D "$CLUSTER_PGROOT/data" -U airflow --pwfile="$CLUSTER_PGROOT/password" -E UTF8 --locale=C \
        --auth-local=trust --auth-host=scram-sha-256 > "$RUN/logs/initdb.log"
    mkdir -p "$CLUSTER_PGROOT/socket" && chown postgres: "$CLUSTER_PGROOT/socket"
    # A throwaway database: no durability needed, and Airflow's migration is much faster without fsync.
    pg pg_ctl start -w -t 60 -D "$CLUSTER_PGROOT/data" -l "$CLUSTER_PGROOT/postgres.log" \
        -o "-c listen_addresses=127.0.0.1 -p $CLUSTER_PG_PORT -c unix_socket_directories=$CLUSTER_PGROOT/socket" \
        -o "-c max_connections=200 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
        > /dev/null || { tail -n 20 "$CLUSTER_PGROOT/postgres.log"; return 1; }
    pg createdb -h "$CLUSTER_PGROOT/socket" -p "$CLUSTER_PG_PORT" -U airflow airflow
}

stop_postgres() {
    if [[ -f $CLUSTER_PGROOT/data/postmaster.pid ]]; then
        pg pg_ctl stop -w -t 60 -m fast -D "$CLUSTER_PGROOT/data" > /dev/null
    fi
    [[ $CLUSTER_PGROOT == "$RUN/pg" ]] || rm -rf "$CLUSTER_PGROOT"
}

# --- the cluster ------------------------------------------------------------------------------------------------

write_env() {
    local ports redis_port pg_port moto_port proxy_port api_port log_port pg_password pgroot
    ports=$("$BIN/python" "$REPO/cluster/ctl.py" ports 6)
    pgroot=$(pg_root)
    read -r redis_port pg_port moto_port proxy_port api_port log_port <<< "$ports"
    pg_password=$(head -c 18 /dev/urandom | base64 | tr '+/' '-_')
    cat > "$RUN/env" << EOF
# The settings of the cluster in $RUN, written by cluster/cluster.sh start.
export CLUSTER_DIR=$RUN
export CLUSTER_API_PORT=$api_port CLUSTER_API_URL=http://127.0.0.1:$api_port
export CLUSTER_PORTS="$ports"
export CLUSTER_REDIS_PORT=$redis_port CLUSTER_MOTO_PORT=$moto_port CLUSTER_PROXY_PORT=$proxy_port
export CLUSTER_PG_PORT=$pg_port CLUSTER_PG_PASSWORD=$pg_password CLUSTER_PGROOT=$pgroot
export CLUSTER_WORKERS="worker1@${WORKER_ADDRESS[worker1]} worker2@${WORKER_ADDRESS[worker2]}"
# The test and the comparison reach the S3 server directly; the pipeline goes through the proxy.
export CLUSTER_S3_ENDPOINT=http://127.0.0.1:$moto_port CLUSTER_BUCKET=news-corpus
export PATH=$BIN:\$PATH
export PYTHONPATH=$REPO/cluster\${PYTHONPATH:+:\$PYTHONPATH}

export AIRFLOW__CORE__EXECUTOR=CeleryExecutor
export AIRFLOW__CORE__DAGS_FOLDER=$REPO/dags
export AIRFLOW__CORE__LOAD_EXAMPLES=False
export AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION=True
export AIRFLOW__CORE__HOSTNAME_CALLABLE=airflow_hostname.hostname
export AIRFLOW__CORE__EXECUTION_API_SERVER_URL=http://127.0.0.1:$api_port/execution/
export AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS=admin:admin
export AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE=$RUN/passwords.json
export AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=postgresql+psycopg2://airflow:$pg_password@127.0.0.1:$pg_port/airflow
# Airflow also builds an async engine for this DB, by default with asyncpg, which is not installed; empty turns
# it off (only the API's wait-for-a-DAG-run endpoint needs it).
export AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_ASYNC=
export AIRFLOW__CELERY__BROKER_URL=redis://127.0.0.1:$redis_port/0
export AIRFLOW__CELERY__RESULT_BACKEND=db+postgresql+psycopg2://airflow:$pg_password@127.0.0.1:$pg_port/airflow
export AIRFLOW__API__BASE_URL=http://127.0.0.1:$api_port
# One secret for every component: tasks' tokens are checked by the API server, log requests by the log servers.
export AIRFLOW__API__SECRET_KEY=$(head -c 32 /dev/urandom | base64)
export AIRFLOW__API_AUTH__JWT_SECRET=$(head -c 32 /dev/urandom | base64)
export AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT=$log_port
# A task whose worker died is failed (and retried) after 45 s without a heartbeat, not 5 minutes. That retry,
# not Redis, runs it again: the broker redelivers an unacknowledged task only after a day (Airflow's default).
export AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT=45
export AIRFLOW__CELERY_BROKER_TRANSPORT_OPTIONS__VISIBILITY_TIMEOUT=86400
# Likewise a task a dead worker had taken from the queue but not started: queued again after 3 minutes, not 10.
export AIRFLOW__SCHEDULER__TASK_QUEUED_TIMEOUT=180 AIRFLOW__SCHEDULER__TASK_QUEUED_TIMEOUT_CHECK_INTERVAL=30
# Only triggered runs: no scheduled run for yesterday (which the sample has no input for) on unpausing.
export AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE=False

export NEWS_CORPUS_SOURCES=$REPO/sources.yaml
export NEWS_CORPUS_DATA=s3://news-corpus/cluster
export AWS_ENDPOINT_URL=http://127.0.0.1:$proxy_port
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_DEFAULT_REGION=us-east-1
export AWS_EC2_METADATA_DISABLED=true
EOF
    echo "{\"admin\": \"$(head -c 12 /dev/urandom | base64 | tr '+/' '-_')\"}" > "$RUN/passwords.json"
}

start_worker() {
    local name=$1 address=${WORKER_ADDRESS[$1]}
    [[ -n $address ]] || { say "no worker $name"; return 1; }
    # Airflow's own log server (started by the worker unless --skip-serve-logs) listens on every address;
    # this one listens on the worker's address only, with the worker's log folder.
    spawn "$name-logs" "$RUN/$name" "$address" "$BIN/uvicorn" --factory airflow.utils.serve_logs.log_server:get_app \
        --host "$address" --port "$AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT" --no-access-log
    spawn "$name" "$RUN/$name" "$address" "$BIN/airflow" celery worker --celery-hostname "$name@$address" \
        --concurrency "$WORKER_CONCURRENCY" --skip-serve-logs
    wait_port "$name-logs" "$AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT" "$address"
}

# kill-worker NAME: what the death of its machine does to a worker: SIGKILL to every process of the worker's
# session (the worker, its pool, and the task processes, which Airflow puts in process groups of their own) and
# of its log server's.
kill_worker() {
    local pids
    pids=$(for name in "$1" "$1-logs"; do session_pids "$(cat "$RUN/pids/$name")"; done)
    say "kill -9 $1 and its log server: $(echo $pids)"
    kill -KILL $pids 2> /dev/null || true
    rm -f "$RUN/pids/$1" "$RUN/pids/$1-logs"
}

start() {
    local started name processes=()
    started=$(now)
    for name in "${COMPONENTS[@]}"; do
        if alive "$name"; then
            say "a cluster is running in $RUN already (stop it: make cluster-stop)"
            return 1
        fi
    done
    # Whatever an earlier cluster in $RUN left (it crashed, say) goes first.
    [[ ! -f $RUN/env ]] || stop > /dev/null
    install_packages
    rm -rf "$RUN" && mkdir -p "$RUN/pids" "$RUN/logs" "$RUN/control"
    write_env
    # shellcheck source=/dev/null
    source "$RUN/env"
    trap 'status=$?; trap - EXIT; say "start failed; stopping what started"; stop; exit $status' EXIT

    start_postgres
    spawn redis "$RUN/redis" 127.0.0.1 redis-server --bind 127.0.0.1 --port "$CLUSTER_REDIS_PORT" --save '' \
        --appendonly no --daemonize no --dir "$RUN/redis"
    spawn moto "$RUN/moto" 127.0.0.1 "$BIN/moto_server" -H 127.0.0.1 -p "$CLUSTER_MOTO_PORT"
    spawn s3proxy "$RUN/s3proxy" 127.0.0.1 "$BIN/python" "$REPO/cluster/s3proxy.py" --port "$CLUSTER_PROXY_PORT" \
        --target-port "$CLUSTER_MOTO_PORT" --control "$RUN/s3proxy.arm"
    wait_port redis "$CLUSTER_REDIS_PORT"
    wait_port moto "$CLUSTER_MOTO_PORT"
    wait_port s3proxy "$CLUSTER_PROXY_PORT"
    "$BIN/python" "$REPO/cluster/ctl.py" bucket create
    say "Redis, PostgreSQL, S3 up after $(since "$started") s; migrating Airflow's database"

    (cd "$RUN" && AIRFLOW_HOME=$RUN/control airflow db migrate > "$RUN/logs/db-migrate.log" 2>&1 \
        && AIRFLOW_HOME=$RUN/control airflow pools import "$REPO/airflow/pools.json" > "$RUN/logs/pools.log" 2>&1) \
        || { tail -n 30 "$RUN"/logs/{db-migrate,pools}.log; return 1; }
    spawn api-server "$RUN/control" 127.0.0.1 "$BIN/airflow" api-server --host 127.0.0.1 --port "$CLUSTER_API_PORT"
    spawn scheduler "$RUN/control" 127.0.0.1 "$BIN/airflow" scheduler --skip-serve-logs
    spawn dag-processor "$RUN/control" 127.0.0.1 "$BIN/airflow" dag-processor
    start_worker worker1
    start_worker worker2
    wait_port api-server "$CLUSTER_API_PORT"
    for name in api-server scheduler dag-processor worker1 worker2; do
        processes+=("$name=$(cat "$RUN/pids/$name")")
    done
    "$BIN/python" "$REPO/cluster/ctl.py" wait-ready "${processes[@]}" || {
        for name in api-server scheduler dag-processor worker1 worker2; do
            alive "$name" || { echo "--- $RUN/logs/$name.log"; tail -n 25 "$RUN/logs/$name.log"; }
        done
        return 1
    }
    trap - EXIT
    say "started in $(since "$started") s"
}

stop() {
    local name left
    [[ -f $RUN/env ]] || { say "nothing to stop in $RUN"; return 0; }
    # shellcheck source=/dev/null
    source "$RUN/env"
    for ((i = ${#COMPONENTS[@]} - 1; i >= 0; i--)); do
        stop_component "${COMPONENTS[i]}"
    done
    stop_postgres
    left=$(member_pids)
    if [[ -n $left ]]; then
        say "still running after the stop, killed now:"
        ps -o pid,sid,args -p "$(echo $left | tr ' ' ,)" || true
        kill -KILL $left 2> /dev/null || true
        return 1
    fi
    "$BIN/python" "$REPO/cluster/ctl.py" ports-closed $CLUSTER_PORTS
    # Kept to read, but no longer the settings of a running cluster: a second stop has nothing to do.
    mv "$RUN/env" "$RUN/env.stopped"
    say "stopped; no process of the cluster left, its ports closed (state and logs stay in $RUN)"
}

info() {
    local password
    # shellcheck source=/dev/null
    source "$RUN/env"
    password=$(sed 's/.*: *"\(.*\)".*/\1/' "$RUN/passwords.json")
    cat << EOF

Airflow UI:   $CLUSTER_API_URL   (user admin, password $password)
Executor:     CeleryExecutor, workers $CLUSTER_WORKERS; broker redis://127.0.0.1:$CLUSTER_REDIS_PORT/0
Metadata DB:  postgresql://airflow@127.0.0.1:$CLUSTER_PG_PORT/airflow
Data root:    $NEWS_CORPUS_DATA on moto's S3 at $CLUSTER_S3_ENDPOINT (bucket $CLUSTER_BUCKET,
              credentials testing/testing), which the pipeline reaches through the proxy at $AWS_ENDPOINT_URL
State, logs:  $RUN   (source $RUN/env to use the airflow CLI against this cluster)
Run the DAG:  unpause news_corpus in the UI, then trigger it with {"day": "2022-01-06", "shards": 3}
Stop it:      make cluster-stop
EOF
}

case ${1:-} in
    start) start ;;
    stop) stop ;;
    info) info ;;
    kill-worker) source "$RUN/env" && kill_worker "$2" ;;
    start-worker) source "$RUN/env" && start_worker "$2" ;;
    *) echo "usage: $0 start|stop|info|kill-worker NAME|start-worker NAME" >&2; exit 2 ;;
esac
