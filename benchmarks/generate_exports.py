"""Two exports of one dual write for benchmarks/reconcile.sh: N events (default 10,000,000),
CSV both, the second shuffled in blocks and with its amounts respelled, and differences
planted — 1,000 events lost by each side, 500 stored twice in each, 1,000 amounts changed, 200
numbers never sent. Two shapes: `plain` (64 producers with short names, short user ids, amounts
in cents from a wide range, two statuses) and `hard` (20,000 producers with long names, long
user ids from a space of 2^128, amounts tied at 20 prices, six statuses, the second export
shuffled in blocks sixteen times larger).
Usage: generate_exports.py DIR [N] [--shape plain|hard]
"""
import argparse
import random
from pathlib import Path

parser = argparse.ArgumentParser()
parser.add_argument("out")
parser.add_argument("n", nargs="?", type=int, default=10_000_000)
parser.add_argument("--shape", choices=["plain", "hard"], default="plain")
args = parser.parse_args()
out = Path(args.out)
n = args.n
hard = args.shape == "hard"
out.mkdir(parents=True, exist_ok=True)
rng = random.Random(11)
producers = 20_000 if hard else 64
per = n // producers
lost_a = set(rng.sample(range(n), 1000))
lost_b = set(rng.sample(range(n), 1000)) - lost_a
twice = set(rng.sample(range(n), 1000))
twice_a, twice_b = set(list(twice)[:500]), set(list(twice)[500:])
changed = set(rng.sample(range(n), 1000))
never = set(rng.sample(range(n), 200))
statuses = ["ok", "retry", "timeout", "rejected", "queued", "partial"] if hard else ["ok", "ok", "ok", "retry"]
prices = [rng.randrange(100, 100_000) for _ in range(20)] if hard else []
names = [f"tenant-{p % 97:03d}/service-{p:05d}.events.eu-west-1.example.internal" if hard else f"p{p}" for p in range(producers)]
block_size = 65_536 if hard else 4096

with open(out / "a.csv", "w") as fa, open(out / "b.csv", "w") as fb:
    fa.write("producer,seq,user,amount,status\n")
    fb.write("seq,producer,status,amount,user\n")
    block = []
    for i in range(n):
        if i in never:
            continue
        p, s = i % producers, i // producers + 1
        user = f"{rng.getrandbits(128):032x}" if hard else rng.randrange(100_000)
        cents = prices[rng.randrange(20)] if hard else rng.randrange(100, 100_000)
        status = statuses[rng.randrange(6)] if hard else statuses[i & 3]
        amount = f"{cents // 100}.{cents % 100:02d}"
        if i not in lost_a:
            line = f"{names[p]},{s},u{user},{amount},{status}\n"
            fa.write(line)
            if i in twice_a:
                fa.write(line)
        if i not in lost_b:
            if i in changed:
                cents += 1
            spelled = f"{cents / 100:.6f}" if i % 3 == 0 else f"{cents // 100}.{cents % 100:02d}"
            line = f"{s},{names[p]},{status},{spelled},u{user}\n"
            block.append(line)
            if i in twice_b:
                block.append(line)
            if len(block) >= block_size:
                rng.shuffle(block)
                fb.writelines(block)
                block = []
    rng.shuffle(block)
    fb.writelines(block)
