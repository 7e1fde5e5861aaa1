"""Two exports of one dual write for benchmarks/reconcile.sh: N events (default 10,000,000)
from 64 producers, CSV both, the second shuffled in blocks and with its amounts respelled, and
differences planted — 1,000 events lost by each side, 500 stored twice in each, 1,000 amounts
changed, 200 numbers never sent. Usage: generate_exports.py DIR [N]
"""
import random
import sys
from pathlib import Path

out = Path(sys.argv[1])
n = int(sys.argv[2]) if len(sys.argv) > 2 else 10_000_000
out.mkdir(parents=True, exist_ok=True)
rng = random.Random(11)
producers = 64
per = n // producers
lost_a = set(rng.sample(range(n), 1000))
lost_b = set(rng.sample(range(n), 1000)) - lost_a
twice = set(rng.sample(range(n), 1000))
twice_a, twice_b = set(list(twice)[:500]), set(list(twice)[500:])
changed = set(rng.sample(range(n), 1000))
never = set(rng.sample(range(n), 200))
statuses = ["ok", "ok", "ok", "retry"]

with open(out / "a.csv", "w") as fa, open(out / "b.csv", "w") as fb:
    fa.write("producer,seq,user,amount,status\n")
    fb.write("seq,producer,status,amount,user\n")
    block = []
    for i in range(n):
        if i in never:
            continue
        p, s = i % producers, i // producers + 1
        user = rng.randrange(100_000)
        cents = rng.randrange(100, 100_000)
        status = statuses[i & 3]
        amount = f"{cents // 100}.{cents % 100:02d}"
        if i not in lost_a:
            line = f"p{p},{s},u{user},{amount},{status}\n"
            fa.write(line)
            if i in twice_a:
                fa.write(line)
        if i not in lost_b:
            if i in changed:
                cents += 1
            spelled = f"{cents / 100:.6f}" if i % 3 == 0 else f"{cents // 100}.{cents % 100:02d}"
            line = f"{s},p{p},{status},{spelled},u{user}\n"
            block.append(line)
            if i in twice_b:
                block.append(line)
            if len(block) >= 4096:
                rng.shuffle(block)
                fb.writelines(block)
                block = []
    rng.shuffle(block)
    fb.writelines(block)
