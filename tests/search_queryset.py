"""The search query set (tests/data/search_queries.json) and how it is scored.

Each query states its expected results: for the regulation, the places (第六条（三）…) that
contain it; for the cases, the subjects of the demo cases it must find (one entry per case, as
「冯涛」 or 「陈静、沈洁」), or none. Recall and precision are counted over all results of all
queries together (micro-averaged).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

QUERYSET = Path(__file__).resolve().parent / "data" / "search_queries.json"


def load_queries() -> dict:
    return json.loads(QUERYSET.read_text(encoding="utf-8"))


@dataclass
class Score:
    expected: int = 0
    found: int = 0
    correct: int = 0
    misses: list[str] = field(default_factory=list)

    def add(self, query: str, expected: list[str], found: list[str]) -> None:
        remaining = list(found)
        correct = 0
        for item in expected:
            if item in remaining:
                remaining.remove(item)
                correct += 1
        self.expected += len(expected)
        self.found += len(found)
        self.correct += correct
        if correct != len(expected) or remaining:
            self.misses.append(f"{query}: expected {sorted(expected)}, found {sorted(found)}")

    @property
    def recall(self) -> float:
        return self.correct / self.expected if self.expected else 1.0

    @property
    def precision(self) -> float:
        return self.correct / self.found if self.found else 1.0
