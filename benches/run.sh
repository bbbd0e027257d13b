#!/usr/bin/env bash
# Runs every benchmark of benches/README.md in sequence, one process per candidate, and prints
# one table: candidate, workload, ns per span, delivered share.
#
#   benches/run.sh                                     # full criterion defaults, W4 for 10 s
#   QUICK=1 benches/run.sh                             # --warm-up-time 1 --measurement-time 3, W4 3 s
#   W4_SECONDS=10 OTLP_SECONDS=5 benches/run.sh -- ... # extra arguments go to criterion
#   OTLP_CPU_SECONDS=5 OTLP_CPU_ROUNDS=3 benches/run.sh  # otlp_cpu's window and rounds
#   LOGS_CPU_SECONDS=5 LOGS_CPU_ROUNDS=3 benches/run.sh  # logs_cpu's window and rounds
set -euo pipefail
cd "$(dirname "$0")/.."

JOBS=${JOBS:-2}
CRITERION_ARGS=()
if [[ -n "${QUICK:-}" ]]; then
    CRITERION_ARGS=(--warm-up-time 1 --measurement-time 3)
    W4_SECONDS=${W4_SECONDS:-3}
    OTLP_SECONDS=${OTLP_SECONDS:-3}
    OTLP_CPU_SECONDS=${OTLP_CPU_SECONDS:-3}
    LOGS_CPU_SECONDS=${LOGS_CPU_SECONDS:-3}
fi
[[ "${1:-}" == "--" ]] && shift
CRITERION_ARGS+=("$@")
W4_SECONDS=${W4_SECONDS:-10}
OTLP_SECONDS=${OTLP_SECONDS:-5}
OTLP_CPU_SECONDS=${OTLP_CPU_SECONDS:-5}
OTLP_CPU_ROUNDS=${OTLP_CPU_ROUNDS:-3}
LOGS_CPU_SECONDS=${LOGS_CPU_SECONDS:-5}
LOGS_CPU_ROUNDS=${LOGS_CPU_ROUNDS:-3}

TARGET_DIR=$(cargo metadata --format-version 1 --no-deps | jq -r .target_directory)
LOG=$(mktemp -d)
ROWS=()

# bench target, criterion group, criterion id, candidate label, workload label
run_bench() {
    local bench=$1 group=$2 id=$3 candidate=$4 workload=$5
    echo "== $bench" >&2
    cargo bench -q -j "$JOBS" -p traced-benches --bench "$bench" -- "${CRITERION_ARGS[@]}" \
        | tee "$LOG/$bench.txt" >&2
    local est="$TARGET_DIR/criterion/$group/$id/new/estimates.json"
    local ns
    ns=$(jq -r '.mean.point_estimate / 2 | . * 10 | round / 10' "$est")
    local share="-"
    local line
    line=$(grep '^DELIVERED ' "$LOG/$bench.txt" | tail -1 || true)
    if [[ -n "$line" ]]; then
        share=$(awk '{ if ($5 > 0) printf "%.2f %%", 100 * $4 / $5; else print "-" }' <<<"$line")
    fi
    ROWS+=("$candidate|$workload|$ns|$share")
}

# A second criterion id of the same run (no new run): the uninstrumented floors, the log
# writer. `per` is the spans (or records) per iteration, 2 unless given.
read_row() {
    local group=$1 id=$2 candidate=$3 workload=$4 per=${5:-2}
    local ns
    ns=$(jq -r --argjson per "$per" '.mean.point_estimate / $per | . * 10 | round / 10' \
        "$TARGET_DIR/criterion/$group/$id/new/estimates.json")
    ROWS+=("$candidate|$workload|$ns|-")
}

run_bench w1_traced w1_paced traced traced "W1 paced"
run_bench w1_tracing_otel w1_paced tracing_otel "tracing + tracing-opentelemetry + SDK batch" "W1 paced"
run_bench w1_otel_sdk w1_paced otel_sdk "opentelemetry SDK (raw API)" "W1 paced"
run_bench w1_fastrace w1_paced fastrace "fastrace" "W1 paced"
run_bench w1_tracing_registry w1_paced tracing_registry "tracing Registry (no export)" "W1 paced"
run_bench w2_traced w2_async traced traced "W2 async"
read_row w2_async uninstrumented "(uninstrumented floor)" "W2 async"
run_bench w3a_uninitialised w3a_uninitialised traced traced "W3a uninitialised"
read_row w3a_uninitialised uninstrumented "(uninstrumented floor)" "W3a uninitialised"
run_bench w3b_sampled_out w3b_sampled_out traced traced "W3b sampled out"
run_bench otlp_writer otlp_writer benchmark_shape "traced OTLP writer" "OTLP encoding only"
read_row otlp_writer logs_benchmark_shape "traced OTLP log writer (per record)" "OTLP encoding only" 4

echo "== w4_threads" >&2
cargo run -q --release -j "$JOBS" -p traced-benches --bin w4_threads -- --seconds "$W4_SECONDS" \
    | tee "$LOG/w4.txt" >&2
read -r _ _ w4_rate w4_hwm w4_exported _ w4_dropped w4_spans < <(grep '^W4 ' "$LOG/w4.txt")

echo "== otlp_capacity" >&2
# Offered 1 M spans/s on a schedule, above capacity: what the export path delivers at most
# while the producer leaves the cores to it and to the receiver (most spans are dropped).
cargo run -q --release -j "$JOBS" -p traced-benches --bin otlp_capacity -- --seconds "$OTLP_SECONDS" \
    --rate 1000000 | tee "$LOG/otlp.txt" >&2
read -r _ _ otlp_rate otlp_delivered otlp_produced < <(grep '^OTLP ' "$LOG/otlp.txt")
# Offered as fast as one thread can: the producer holds one of the two cores.
cargo run -q --release -j "$JOBS" -p traced-benches --bin otlp_capacity -- --seconds "$OTLP_SECONDS" \
    | tee "$LOG/otlp_spin.txt" >&2
read -r _ _ spin_rate spin_delivered spin_produced < <(grep '^OTLP ' "$LOG/otlp_spin.txt")
# Offered at the export target (300 k spans/s, see benches/README.md; OTLP_RATE to change it),
# the producer paced so that it leaves the export thread and the receiver their cores: every
# span must arrive.
cargo run -q --release -j "$JOBS" -p traced-benches --bin otlp_capacity -- --seconds "$OTLP_SECONDS" \
    --rate "${OTLP_RATE:-300000}" | tee "$LOG/otlp_below.txt" >&2
read -r _ _ below_rate below_delivered below_produced < <(grep '^OTLP ' "$LOG/otlp_below.txt")

# Whole-process CPU per span exported to Rotel (another process), traced and the SDK in turn,
# without compression and with gzip.
CPU_ROWS=()
for compression in none gzip; do
    echo "== otlp_cpu ($compression)" >&2
    OTEL_EXPORTER_OTLP_COMPRESSION=$compression cargo run -q --release -j "$JOBS" -p traced-benches \
        --bin otlp_cpu -- --seconds "$OTLP_CPU_SECONDS" --rounds "$OTLP_CPU_ROUNDS" \
        | tee "$LOG/otlp_cpu_$compression.txt" >&2
    while read -r _ candidate _ ns app export delivered; do
        label="traced"
        [[ $candidate == sdk ]] && label="SDK BatchSpanProcessor + opentelemetry-otlp"
        CPU_ROWS+=("$label|OTLP CPU $compression|$ns|$delivered %")
        CPU_ROWS+=("    application thread / export threads|OTLP CPU $compression|$app / $export|-")
    done < <(grep '^OTLP_CPU ' "$LOG/otlp_cpu_$compression.txt")
    ratio=$(awk '/^OTLP_CPU_RATIO / { print $3 }' "$LOG/otlp_cpu_$compression.txt")
    CPU_ROWS+=("    SDK / traced (at least 8x)|OTLP CPU $compression|${ratio}x|-")
    if grep -q '^INVALID' "$LOG/otlp_cpu_$compression.txt"; then
        CPU_ROWS+=("    $(grep '^INVALID' "$LOG/otlp_cpu_$compression.txt")|OTLP CPU $compression|-|-")
    fi
done

# Whole-process CPU per log record exported to a receiver that counts them (another process),
# traced and the SDK's appender in turn, without compression; ns per record, not per span.
echo "== logs_cpu" >&2
cargo run -q --release -j "$JOBS" -p traced-benches --bin logs_cpu -- \
    --seconds "$LOGS_CPU_SECONDS" --rounds "$LOGS_CPU_ROUNDS" | tee "$LOG/logs_cpu.txt" >&2
while read -r _ candidate _ ns app off_app received wrong; do
    label="traced (TRACED_LOG_FORMAT=none)"
    [[ $candidate == sdk ]] && label="appender-tracing + SDK batch + otlp"
    ids="yes"
    [[ $wrong != 0 ]] && ids="no ($wrong wrong)"
    CPU_ROWS+=("$label|logs CPU /record|$ns|$received %")
    CPU_ROWS+=("    application thread / other threads|logs CPU /record|$app / $off_app|-")
    CPU_ROWS+=("    ids correct|logs CPU /record|$ids|-")
done < <(grep '^LOGS_CPU ' "$LOG/logs_cpu.txt")
ratio=$(awk '/^LOGS_CPU_RATIO / { print $3 }' "$LOG/logs_cpu.txt")
CPU_ROWS+=("    SDK / traced (at least 4x)|logs CPU /record|${ratio}x|-")
if grep -q '^INVALID' "$LOG/logs_cpu.txt"; then
    CPU_ROWS+=("    $(grep '^INVALID' "$LOG/logs_cpu.txt")|logs CPU /record|-|-")
fi

echo
printf '%-45s %-20s %12s %12s\n' candidate workload "ns/span" delivered
for row in "${ROWS[@]}"; do
    IFS='|' read -r c w n s <<<"$row"
    printf '%-45s %-20s %12s %12s\n' "$c" "$w" "$n" "$s"
done
awk -v r="$w4_rate" -v h="$w4_hwm" -v e="$w4_exported" -v d="$w4_dropped" -v s="$w4_spans" 'BEGIN {
    printf "%-45s %-20s %12s %12s\n", "traced", "W4 2 threads", sprintf("%.2f M/s", r / 1e6), sprintf("%.2f %%", 100 * e / s)
    printf "    W4 peak RSS %.1f MiB, dropped %d\n", h / 1024, d
}'
awk -v r="$otlp_rate" -v d="$otlp_delivered" -v p="$otlp_produced" 'BEGIN {
    printf "%-45s %-20s %12s %12s\n", "traced", "OTLP/HTTP capacity", sprintf("%.0f k/s", r / 1e3), sprintf("%.2f %%", 100 * d / p)
}'
awk -v r="$spin_rate" -v d="$spin_delivered" -v p="$spin_produced" 'BEGIN {
    printf "%-45s %-20s %12s %12s\n", "traced", "OTLP/HTTP spinning", sprintf("%.0f k/s", r / 1e3), sprintf("%.2f %%", 100 * d / p)
}'
awk -v r="$below_rate" -v d="$below_delivered" -v p="$below_produced" 'BEGIN {
    printf "%-45s %-20s %12s %12s\n", "traced", "OTLP/HTTP paced", sprintf("%.0f k/s", r / 1e3), sprintf("%.2f %%", 100 * d / p)
}'
for row in "${CPU_ROWS[@]}"; do
    IFS='|' read -r c w n s <<<"$row"
    printf '%-45s %-20s %12s %12s\n' "$c" "$w" "$n" "$s"
done
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
