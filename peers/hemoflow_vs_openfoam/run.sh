#!/usr/bin/env bash
# hemoflow against the OpenFOAM peer reference (../openfoam): steady laminar stenosis and
# bifurcation, the OpenFOAM geometry commands but with the vessel oblique to the grid
# (--axis 0.3,-0.5,0.8). Regenerates the geometry, runs hemoflow, prints compare.py's tables.
#
# Usage: bash run.sh
# Knobs [defaults]:
#   HF=../../target/release/hemoflow   hemoflow binary (cargo build --release)
#   RUNS="stenosis_h0.2 bifurcation_h0.175"   case files in cases/ (add stenosis_h0.1,
#                                bifurcation_h0.0875 for the second level, diag_stenosis_z_h0.2,
#                                diag_bifurcation_z_h0.175 for the grid-aligned diagnostics)
#   SKIP_RUN=1                   only geometry + compare.py on existing outputs
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$HERE"
HF="${HF:-$HERE/../../target/release/hemoflow}"
RUNS="${RUNS:-stenosis_h0.2 bifurcation_h0.175}"
PY=/usr/bin/python3
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/tmp}"
mkdir -p out

AX=0.3,-0.5,0.8
"$HF" mesh generate stenosis -o out/stenosis.obj --radius 1 --length 30 --area-reduction 75 \
    --stenosis-length 4 --axis $AX --segments 128
"$HF" mesh generate bifurcation -o out/bifurcation.obj --radius 1 --length 10 \
    --daughter-radii 0.85,0.7 --daughter-lengths 12,12 --angle 70 --axis $AX
case " $RUNS " in *" diag_"*)
    "$HF" mesh generate stenosis -o out/stenosis_z.obj --radius 1 --length 30 --area-reduction 75 \
        --stenosis-length 4 --axis 0,0,1 --segments 128
    "$HF" mesh generate bifurcation -o out/bifurcation_z.obj --radius 1 --length 10 \
        --daughter-radii 0.85,0.7 --daughter-lengths 12,12 --angle 70 --axis 0,0,1 ;;
esac

args=()
for r in $RUNS; do
    if [ "${SKIP_RUN:-0}" != 1 ]; then
        echo "== $r" >&2
        t0=$(date +%s.%N)
        if nice -n 5 "$HF" run "cases/$r.toml" --json > "out/$r.json" 2> "out/$r.log"; then rc=0; else rc=$?; fi
        t1=$(date +%s.%N)
        echo "wall_s $($PY -c "print('%.1f' % ($t1 - $t0))") rc $rc" | tee "out/$r.time" >&2
        [ "$rc" = 0 ] || { echo "$r failed (rc $rc), see out/$r.log" >&2; cat "out/$r.log" >&2; continue; }
    fi
    case "$r" in *stenosis*) c=stenosis ;; *) c=bifurcation ;; esac
    [ -f "out/$r.h5" ] && args+=("$c=out/$r.h5")
done
"$PY" compare.py --hf "$HF" --json out/metrics.json "${args[@]}" | tee out/compare.md
