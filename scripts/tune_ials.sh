#!/usr/bin/env bash
# Grid search of the iALS hyperparameters on validation splits cut from DIR/train.csv
# (zhixuan eval --validation: the test history/target files are never read).
# Prints one line per setting: the mean of Recall@20, Recall@50, NDCG@100 over the seeds.
# usage: scripts/tune_ials.sh SPLIT_DIR [ZHIXUAN_BINARY]
#   env: DIMS="64 128" W0S="0.1 0.3" REGS="0.01" ITEM_REGS="same" NUS="1" ALPHAS="0" EPOCHS="10" SOLVERS="cg cholesky" SEEDS="1 2 3"
set -euo pipefail
split=${1:?usage: tune_ials.sh SPLIT_DIR [zhixuan]}
zx=${2:-build/release/zhixuan}
if [ "${EASE:-0}" = 1 ]; then  # the reference row on the same validation splits
  for seed in ${SEEDS:-1 2 3}; do
    "$zx" eval --split "$split" --validation --validation-seed "$seed" --dim 4 --epochs 1 | grep 'EASE'
  done | awk -F'|' '{r20+=$3; r50+=$4; n100+=$5; n++} END {printf "%-72s R@20 %.4f  R@50 %.4f  NDCG@100 %.4f\n", "EASE lambda=100", r20/n, r50/n, n100/n}'
fi
for dim in ${DIMS:-64 128}; do
for w0 in ${W0S:-0.1 0.3 1}; do
for reg in ${REGS:-0.003 0.01 0.03}; do
for item_reg in ${ITEM_REGS:-same}; do
for nu in ${NUS:-1}; do
for alpha in ${ALPHAS:-0}; do
for epochs in ${EPOCHS:-10}; do
for solver in ${SOLVERS:-cg}; do
  ireg=$item_reg; [ "$ireg" = same ] && ireg=$reg
  for seed in ${SEEDS:-1 2 3}; do
    "$zx" eval --split "$split" --validation --validation-seed "$seed" --no-ease --dim "$dim" --epochs "$epochs" \
      --alpha "$alpha" --w0 "$w0" --reg "$reg" --item-reg "$ireg" --reg-exponent "$nu" --solver "$solver" | grep 'device fold-in'
  done | awk -v s="dim=$dim epochs=$epochs $solver alpha=$alpha w0=$w0 reg=$reg item_reg=$ireg nu=$nu" -F'|' \
    '{r20+=$3; r50+=$4; n100+=$5; n++} END {printf "%-72s R@20 %.4f  R@50 %.4f  NDCG@100 %.4f\n", s, r20/n, r50/n, n100/n}'
done; done; done; done; done; done; done; done
