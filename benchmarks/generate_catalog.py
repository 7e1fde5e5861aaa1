"""Generates a product catalog, queries with graded judgments, and interaction events for the
recommender benchmark.

Every product is planted from vocabularies: a noun (which fixes its category), an attribute,
a material, a brand, a model code; titles name some of these, descriptions add noise words,
other nouns ("fits a {noun} case"), and sometimes the attribute again. Each query names a
noun plus one or two planted properties, and judgments come from the planting alone (never
from any ranker): grade 3 when the product has the noun and every named property, 2 when it
has the noun and one of two, 1 when it has the noun only. Events favour products of a few
categories per user, so popularity and affinity carry signal.

Usage: python3 generate_catalog.py OUT_DIR [--products 50000] [--queries 500] [--users 20000]
Writes OUT_DIR/products.csv, queries.tsv, qrels.txt, interactions.csv. Deterministic (seeded).
"""
import argparse
import csv
import os
import random

CATEGORIES = {
    "audio": ["headphone", "earbud", "speaker", "soundbar", "microphone", "turntable", "amplifier", "receiver"],
    "computers": ["laptop", "monitor", "keyboard", "mouse", "router", "webcam", "tablet", "charger"],
    "kitchen": ["kettle", "toaster", "blender", "grinder", "skillet", "knife", "mixer", "juicer"],
    "outdoor": ["tent", "backpack", "lantern", "hammock", "stove", "sleeping bag", "compass", "canteen"],
    "clothing": ["jacket", "sneaker", "sweater", "raincoat", "glove", "scarf", "boot", "hoodie"],
    "home": ["lamp", "rug", "pillow", "blanket", "curtain", "shelf", "mirror", "clock"],
    "fitness": ["dumbbell", "treadmill", "yoga mat", "kettlebell", "jump rope", "bench", "rower", "band"],
    "toys": ["puzzle", "drone", "robot", "kite", "marble run", "doll", "train set", "blocks"],
}
ATTRIBUTES = ["wireless", "waterproof", "portable", "compact", "foldable", "rechargeable", "ergonomic", "lightweight",
              "insulated", "adjustable", "magnetic", "solar", "silent", "heavy duty", "smart", "vintage", "modular",
              "cordless", "stackable", "reversible"]
MATERIALS = ["steel", "bamboo", "leather", "aluminum", "cotton", "wool", "ceramic", "glass", "oak", "nylon", "copper",
             "linen", "walnut", "titanium", "canvas"]
BRANDS = [f"{a}{b}" for a in ["Nor", "Vel", "Tor", "Lum", "Kai", "Zen", "Ori", "Pax", "Sol", "Mar"]
          for b in ["dex", "ion", "ora", "ix", "ano", "ello", "umi", "ar"]]
NOISE = ("quality everyday design durable classic premium simple reliable modern versatile practical sleek sturdy "
         "comfortable elegant easy fast great value gift home office travel daily use clean finish warranty "
         "included perfect choice model series edition new improved").split()


def product_row(rng, index, epoch):
    category = rng.choice(sorted(CATEGORIES))
    noun = rng.choice(CATEGORIES[category])
    attribute = rng.choice(ATTRIBUTES)
    material = rng.choice(MATERIALS)
    brand = rng.choice(BRANDS)
    code = f"{rng.choice('ABCDEFGHJK')}{rng.randint(100, 999)}"
    shape = rng.random()
    if shape < 0.4:
        title = f"{brand} {attribute} {noun} {code}"
    elif shape < 0.7:
        title = f"{attribute} {material} {noun}"
    elif shape < 0.9:
        title = f"{brand} {noun} {code}"
    else:
        title = f"{noun} by {brand}"
    words = rng.sample(NOISE, rng.randint(6, 14))
    if rng.random() < 0.6:
        words.insert(rng.randrange(len(words) + 1), f"made of {material}")
    if rng.random() < 0.5:
        words.insert(rng.randrange(len(words) + 1), attribute)
    if rng.random() < 0.3:
        other_category = rng.choice(sorted(CATEGORIES))
        words.append(f"fits a {rng.choice(CATEGORIES[other_category])} case")
    description = " ".join(words)
    created = epoch - rng.randint(0, 3 * 365) * 86400
    price = f"{rng.uniform(5, 900):.2f}"
    planted = {"noun": noun, "attribute": attribute, "material": material, "brand": brand, "category": category}
    return [f"P{index:06d}", title, category, brand, price, created, description], planted


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--products", type=int, default=50000)
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--users", type=int, default=20000)
    args = parser.parse_args()
    rng = random.Random(2026)
    os.makedirs(args.out, exist_ok=True)
    epoch = 1_790_000_000
    planted = []
    with open(os.path.join(args.out, "products.csv"), "w", newline="") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(["product_id", "title", "category", "brand", "price", "created_at", "description"])
        for i in range(args.products):
            row, facts = product_row(rng, i, epoch)
            out.writerow(row)
            planted.append((row[0], facts))

    by_noun = {}
    for pid, facts in planted:
        by_noun.setdefault(facts["noun"], []).append((pid, facts))
    with open(os.path.join(args.out, "queries.tsv"), "w") as q, open(os.path.join(args.out, "qrels.txt"), "w") as r:
        for n in range(args.queries):
            qid = f"Q{n:03d}"
            category = rng.choice(sorted(CATEGORIES))
            noun = rng.choice(CATEGORIES[category])
            kinds = rng.sample(["attribute", "material", "brand"], rng.choice([1, 2]))
            wanted = {kind: rng.choice({"attribute": ATTRIBUTES, "material": MATERIALS, "brand": BRANDS}[kind]) for kind in kinds}
            text = " ".join([wanted[k] for k in kinds if k != "brand"] + [noun] + ([wanted["brand"]] if "brand" in wanted else []))
            q.write(f"{qid}\t{text}\n")
            for pid, facts in by_noun.get(noun, []):
                matched = sum(facts[k] == v for k, v in wanted.items())
                grade = 3 if matched == len(wanted) else (2 if matched else 1)
                r.write(f"{qid} 0 {pid} {grade}\n")

    with open(os.path.join(args.out, "interactions.csv"), "w", newline="") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(["user", "product", "type", "timestamp"])
        categories = sorted(CATEGORIES)
        by_category = {}
        for pid, facts in planted:
            by_category.setdefault(facts["category"], []).append(pid)
        # A long tail: some products are much more popular than others within a category.
        for u in range(args.users):
            favourites = rng.sample(categories, 2)
            for _ in range(rng.randint(3, 60)):
                pool = by_category[rng.choice(favourites)]
                pid = pool[int(len(pool) * rng.random() ** 3)]
                kind = rng.choices(["view", "click", "cart", "purchase"], weights=[60, 25, 10, 5])[0]
                out.writerow([f"U{u:05d}", pid, kind, epoch - rng.randint(0, 60) * 86400])


if __name__ == "__main__":
    main()
