"""Writes resources/sample_data/reviews.csv: made-up short product reviews in four topics.

``python -m tests.core.data.make_reviews`` rewrites the file; the output depends only on
the seed, so the committed CSV can be reproduced. Every sentence is generated from the
word lists below (no real reviews). The topics share filler words (price, delivery,
praise and complaints), some reviews mention an object of another topic, and a few
carry the wrong label, so the classes are not trivially separable.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[3]
OUT = ROOT / "resources" / "sample_data" / "reviews.csv"
ROWS = 1200
SEED = 7
#: Fraction of reviews that also name an object of another topic, and of wrong labels.
MIXED, WRONG = 0.25, 0.04

TOPICS = {
    "kitchen": {
        "things": ["pan", "kettle", "knife set", "blender", "toaster", "cutting board", "mixing bowl",
                   "frying pan", "coffee grinder", "spatula", "oven tray", "saucepan"],
        "uses": ["cooking dinner", "boiling water", "chopping onions", "baking bread",
                 "making soup", "frying eggs", "brewing coffee", "slicing tomatoes"],
        "details": ["the handle stays cool", "it heats evenly", "easy to wash by hand",
                    "the blade is sharp", "it fits on the counter", "safe in the dishwasher",
                    "no sticking at all", "the lid seals well"],
    },
    "garden": {
        "things": ["hose", "rake", "shovel", "watering can", "pruning shears", "wheelbarrow",
                   "seed tray", "lawn mower", "garden gloves", "plant pots", "hedge trimmer", "sprinkler"],
        "uses": ["watering the roses", "digging the beds", "cutting the lawn", "planting bulbs",
                 "trimming the hedge", "moving soil", "clearing leaves", "growing tomatoes"],
        "details": ["it survived the rain", "the grip is comfortable outdoors", "no rust after a season",
                    "reaches the back of the yard", "the blades stay sharp", "light enough to carry",
                    "the seeds sprouted fast", "sturdy on muddy ground"],
    },
    "electronics": {
        "things": ["headphones", "charger", "phone case", "keyboard", "mouse", "speaker",
                   "usb cable", "monitor", "power bank", "webcam", "router", "smart watch"],
        "uses": ["gaming at night", "video calls", "listening to music", "charging my phone",
                 "working from home", "streaming movies", "typing reports", "recording podcasts"],
        "details": ["the battery lasts all day", "bluetooth pairs instantly", "the sound is clear",
                    "the screen is bright", "setup took a minute", "the firmware updated itself",
                    "no lag at all", "the signal is strong"],
    },
    "books": {
        "things": ["novel", "cookbook", "biography", "poetry collection", "paperback", "hardcover",
                   "mystery", "travel guide", "history book", "short story collection", "atlas",
                   "graphic novel"],
        "uses": ["reading on the train", "a long weekend", "reading before bed", "a book club",
                 "a rainy afternoon", "studying history", "my holiday", "reading aloud to kids"],
        "details": ["the plot kept me guessing", "the characters feel real", "the author writes well",
                    "the chapters are short", "the ending surprised me", "the print is easy to read",
                    "the pages are thick", "the story moves quickly"],
    },
}

OPENINGS = ["", "honestly", "well", "overall", "so far", "to be fair", "after a week", "for the price"]
PRAISE = ["great", "really good", "excellent", "solid", "nice", "decent", "lovely", "perfect"]
COMPLAINTS = ["a bit disappointing", "not great", "okay I guess", "average", "poor", "too cheap",
              "not worth it", "fine but nothing special"]
FILLER = ["the delivery was quick", "the price was fair", "it arrived well packed",
          "would buy again", "my partner likes it too", "customer service was helpful",
          "it came a day late", "the box was damaged", "five stars", "two stars", "as described",
          "good value", "returned the first one", "bought it as a gift", "it does the job"]
PATTERNS = [
    "{open} the {thing} is {verdict}, {detail}",
    "{open} bought this {thing} for {use} and it is {verdict}",
    "{verdict} {thing}, {filler}",
    "{detail}, {filler}, {verdict} overall",
    "used the {thing} for {use}, {detail}",
    "{open} {verdict} for {use}, {filler}",
    "the {thing} is {verdict} and {detail}, {filler}",
    "{filler}. the {thing} is {verdict}",
]


def reviews(rows: int = ROWS, seed: int = SEED) -> list[tuple[str, str]]:
    """``rows`` distinct ``(text, label)`` pairs, the labels in turn."""
    rng = np.random.default_rng(seed)
    labels = list(TOPICS)
    seen: set[str] = set()
    out: list[tuple[str, str]] = []
    pick = lambda items: items[int(rng.integers(len(items)))]  # noqa: E731
    while len(out) < rows:
        label = labels[len(out) % len(labels)]
        words = TOPICS[label]
        if rng.random() < MIXED:  # an object of another topic, named in passing
            other = TOPICS[pick([t for t in labels if t != label])]
            words = {**words, "things": other["things"]} if rng.random() < 0.5 else \
                {**words, "uses": other["uses"]}
        verdict = pick(PRAISE if rng.random() < 0.6 else COMPLAINTS)
        text = pick(PATTERNS).format(open=pick(OPENINGS), thing=pick(words["things"]),
                                     use=pick(words["uses"]), detail=pick(words["details"]),
                                     verdict=verdict, filler=pick(FILLER))
        text = " ".join(text.split()).strip(" ,")
        text = text[0].upper() + text[1:]
        if text in seen:
            continue
        seen.add(text)
        shown = pick([t for t in labels if t != label]) if rng.random() < WRONG else label
        out.append((text, shown))
    return out


def main() -> int:
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with open(OUT, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["text", "label"])
        writer.writerows(reviews())
    print(f"wrote {OUT} ({ROWS} rows)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
