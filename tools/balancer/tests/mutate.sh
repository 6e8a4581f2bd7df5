#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# mutate.sh - prove the unit tests of the decision logic can fail: build
# test_balance.c against copies of balance.c, each with one rule broken,
# and expect the named test to fail on each; the same for the move
# proposals, --move's decisions and the relocation's rollback (test_move.c
# against broken copies of plan.c, balance.c, ../mdgpuctl/fit.c and
# ../mdgpuctl/relocate.c). One TAP line per mutation.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cc=${CC:-cc}
# mdgpuctl's sysfs model, which test_move.c links with fit.c.
ctl=("$here/../mdgpuctl/sysfs.c" "$here/../mdgpuctl/model.c"
	"$here/../mdgpuctl/holders.c" "$here/../mdgpuctl/stats.c"
	"$here/../mdgpuctl/files.c")

# name | test that must fail | sed expression applied to balance.c
mutations=(
"bounds: the clamp to [floor, ceiling] dropped|bounds_never_left|s/w = clampd(round(w), b->floor, b->ceiling);/w = round(w);/"
"hysteresis: no dead band on the demand|demand_no_oscillation|s/fabs(st->demand - st->anchor) >= p->deadband/fabs(st->demand - st->anchor) >= 0/"
"hysteresis: no starvation memory (limit cycle)|phases_followed|s/^\(\t*\)    st->starved_weight);/\1    0);/"
"hysteresis: no band around the target share|share_target_converges_without_oscillation|s/target \* (1 - p->band)/target/;s/target \* (1 + p->band)/target/"
"convergence: the share controller steps the wrong way|share_target_converges_without_oscillation|s/want = scaled(p, old, target \/ fmax(used, 0.01));/want = scaled(p, old, fmax(used, 0.01) \/ target);/"
"convergence: near-full demand does not count as full|demand_converges|s/return demand >= 1 - p->deadband \/ 2;/return demand >= 2;/"
"hysteresis: the full zone is left at once (recorded trace)|recorded_traces|s/st->anchor = st->demand;$/st->anchor = full(p, st->demand) ? 1 : st->demand;/"
"give-back: no idle rule|giveback_within_stated_periods|s/if (st->demand < p->idle) {/if (st->demand < 0) {/"
"give-back: stated period count wrong|giveback_within_stated_periods|s/unsigned int k = 1;/unsigned int k = 2;/"
)

# --move and its proposals: the same, on tests/test_move.c (built with
# plan.c and mdgpuctl's fit rule and model), with a file to mutate:
# name | test that must fail | file | sed expression
move_mutations=(
"hysteresis: no cooldown (back and forth)|no_back_and_forth|balance.c|s/return h->moved \&\& period - h->last_moved < l->cooldown;/return false;/"
"hysteresis: a one-period spike moves|no_back_and_forth|balance.c|s/if (h->streak < l->after)/if (h->streak < 1)/"
"limit: no cap on moves per period|no_back_and_forth|balance.c|s/if (\*made >= l->max_per_period)/if (0)/"
"decision: moves made at the first proposal (recorded trace)|moves_on_recorded_trace|balance.c|s/h->streak = 1;\$/h->streak = 2;/"
"rollback: none after a failed create (destination full)|rollback_destination_full|relocate.c|/failed(r, \"create\", ret);/{n;s/return put_back(ops, ctx, r);/return MDG_RELOC_UNCHANGED;/}"
"rollback: the saved state not restored on the source|rollback_fail_nth|relocate.c|s/if (ops->restore(ctx, r))\$/if (0)/"
"rollback: put back without taking it off the destination|rollback_fail_nth|relocate.c|s/if (ops->remove(ctx, r->uuid)) {/if (0) {/"
"rollback: a refused tunable at the destination ignored|rollback_tunable_refused|relocate.c|s/if (ret \&\& r->strict)/if (0)/"
"rollback: the state not kept when the source is gone|rollback_destination_full|relocate.c|s/return ops->keep(ctx, r) ? MDG_RELOC_LOST : MDG_RELOC_KEPT;\$/return MDG_RELOC_LOST;/"
"proposals: held instances proposed|propose_moves|plan.c|s/if (in->held || in->reserved || in->cooling ||/if (in->reserved || in->cooling ||/"
"proposals: cooling instances proposed|propose_moves|plan.c|s/if (in->held || in->reserved || in->cooling ||/if (in->held || in->reserved ||/"
"proposals: reserved instances proposed|propose_moves|plan.c|s/if (in->held || in->reserved || in->cooling ||/if (in->held || in->cooling ||/"
"proposals: the source keeps the moved range|propose_moves|plan.c|/mdg_cap_release(.cap.in->parent/,+1d"
"plan: a proposal does not take its capacity (max_moves > 1)|plan_second_move_does_not_fit|plan.c|s/mdg_cap_take(\&cap\[to\], in->size/mdg_cap_fit(\&cap[to], in->size/"
"fit: reserved VRAM free for ordinary instances|plan_reserved_vram_not_chosen|fit.c|s/if (rv->vram <= 0 || rv->offset < 0)\$/if (1)/"
"fit: unheld reserved shares not counted|plan_reserved_share_not_chosen|fit.c|s/c->share += p->resv\[i\].share;/;/"
"fit: no engine share admission|plan_second_move_does_not_fit|fit.c|s/c->share + min_share <= MDG_SHARE_ONE;/1;/"
)

echo "TAP version 13"
echo "1..$((${#mutations[@]} + ${#move_mutations[@]}))"
n=0
failed=0
for m in "${mutations[@]}"; do
	IFS='|' read -r name test expr <<<"$m"
	n=$((n + 1))
	sed "$expr" "$here/balance.c" >"$work/balance.c"
	if cmp -s "$here/balance.c" "$work/balance.c"; then
		echo "not ok $n $name # the mutation no longer applies"
		failed=$((failed + 1))
		continue
	fi
	cp "$here/balance.h" "$here/config.h" "$here/config.c" "$work/"
	mkdir -p "$work/tests"
	cp "$here/tests/test_balance.c" "$work/tests/"
	if ! $cc -std=gnu11 -O1 -D_GNU_SOURCE -I"$here/../mdgpuctl" \
		-DMDGB_TRACE_DIR="\"$here/tests/traces\"" \
		-o "$work/t" "$work/tests/test_balance.c" "$work/balance.c" \
		"$work/config.c" -lm 2>"$work/cc"; then
		echo "not ok $n $name # does not build"
		sed 's/^/# /' "$work/cc" | head -n 5
		failed=$((failed + 1))
		continue
	fi
	"$work/t" >"$work/out" 2>&1
	if grep -q "^not ok [0-9]* $test\$" "$work/out"; then
		echo "ok $n mutation caught: $name (test $test fails)"
	else
		echo "not ok $n mutation not caught: $name (test $test passes)"
		failed=$((failed + 1))
	fi
done
for m in "${move_mutations[@]}"; do
	IFS='|' read -r name test file expr <<<"$m"
	n=$((n + 1))
	src=$here/$file
	case $file in
	relocate.c|fit.c) src=$here/../mdgpuctl/$file ;;
	esac
	rm -rf "$work/m"
	mkdir -p "$work/m"
	cp "$here/balance.c" "$here/plan.c" "$here/../mdgpuctl/relocate.c" \
		"$here/../mdgpuctl/fit.c" "$work/m/"
	sed "$expr" "$src" >"$work/m/$file"
	if cmp -s "$src" "$work/m/$file"; then
		echo "not ok $n $name # the mutation no longer applies"
		failed=$((failed + 1))
		continue
	fi
	if ! $cc -std=gnu11 -O1 -D_GNU_SOURCE -I"$here" -I"$here/../mdgpuctl" \
		-I"$here/.." -I"$here/../.." \
		-DMDGB_TRACE_DIR="\"$here/tests/traces\"" \
		-o "$work/tm" "$here/tests/test_move.c" "$work/m/balance.c" \
		"$work/m/plan.c" "$work/m/relocate.c" "$work/m/fit.c" \
		"${ctl[@]}" -ljson-c -luuid -lm 2>"$work/cc"; then
		echo "not ok $n $name # does not build"
		sed 's/^/# /' "$work/cc" | head -n 5
		failed=$((failed + 1))
		continue
	fi
	"$work/tm" >"$work/out" 2>&1
	if grep -q "^not ok [0-9]* $test\$" "$work/out"; then
		echo "ok $n mutation caught: $name (test $test fails)"
	else
		echo "not ok $n mutation not caught: $name (test $test passes)"
		failed=$((failed + 1))
	fi
done
echo "# Totals: pass:$((n - failed)) fail:$failed skip:0"
[ $failed = 0 ]
