"""Skill requirements: a small, safe expression language over agents' skill levels.

    requirement := or ;  or := and ("or" and)* ;  and := not ("and" not)*
    not := "not" not | "(" or ")" | SKILL OP LEVEL | SKILL      (SKILL alone means >= 1)
    OP := >= | > | <= | < | == | !=      LEVEL := an integer;  a missing skill is level 0

No ``eval``: the text is tokenised and parsed by hand into frozen nodes that evaluate
against a mapping of skill -> level. Parsed once at load time and cached by text.

Errors::

    RequirementError(ValueError)   bad syntax; ``.column`` is where (1-based)
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache

Skills = Mapping[str, int]

_TOKEN = re.compile(
    r"\s*(?:(?P<num>\d+)|(?P<op>>=|<=|==|!=|>|<)|(?P<par>[()])|(?P<word>[a-z][a-z0-9_.-]*))"
)
_OPS: dict[str, Callable[[int, int], bool]] = {
    ">=": operator.ge, ">": operator.gt, "<=": operator.le,
    "<": operator.lt, "==": operator.eq, "!=": operator.ne,
}  # fmt: skip
_KEYWORDS = {"and", "or", "not"}


class RequirementError(ValueError):
    def __init__(self, message: str, column: int) -> None:
        super().__init__(f"{message} (column {column})")
        self.column = column


@dataclass(frozen=True, slots=True)
class Has:
    skill: str
    op: str
    level: int

    def __call__(self, skills: Skills) -> bool:
        return _OPS[self.op](skills.get(self.skill, 0), self.level)


@dataclass(frozen=True, slots=True)
class All:
    parts: tuple[Requirement, ...]

    def __call__(self, skills: Skills) -> bool:
        return all(p(skills) for p in self.parts)


@dataclass(frozen=True, slots=True)
class AnyOf:
    parts: tuple[Requirement, ...]

    def __call__(self, skills: Skills) -> bool:
        return any(p(skills) for p in self.parts)


@dataclass(frozen=True, slots=True)
class Not:
    part: Requirement

    def __call__(self, skills: Skills) -> bool:
        return not self.part(skills)


Requirement = Has | All | AnyOf | Not
ANYONE = All(())  # the empty requirement: every agent qualifies


def skills_named(req: Requirement) -> Iterator[str]:
    """Every skill the requirement mentions, in order of appearance."""
    if isinstance(req, Has):
        yield req.skill
    elif isinstance(req, Not):
        yield from skills_named(req.part)
    else:
        for part in req.parts:
            yield from skills_named(part)


def both(a: Requirement, b: Requirement) -> Requirement:
    return a if b == ANYONE else b if a == ANYONE else All((a, b))


def either(a: Requirement, b: Requirement) -> Requirement:
    return AnyOf((a, b))


@cache
def parse(text: str) -> Requirement:
    """Parse ``text``; an empty text is ``ANYONE``. Raises RequirementError."""
    tokens = _tokens(text)
    if not tokens:
        return ANYONE
    parser = _Parser(tokens, len(text) + 1)
    req = parser.or_()
    if parser.i < len(tokens):
        raise RequirementError(f"unexpected {tokens[parser.i][1]!r}", tokens[parser.i][0])
    return req


def _tokens(text: str) -> list[tuple[int, str]]:
    out, pos = [], 0
    while pos < len(text.rstrip()):
        match = _TOKEN.match(text, pos)
        if match is None:
            col = pos + len(text[pos:]) - len(text[pos:].lstrip()) + 1
            raise RequirementError(f"unexpected character {text[col - 1]!r}", col)
        out.append((match.start(match.lastgroup or 0) + 1, match[match.lastgroup or 0]))
        pos = match.end()
    return out


class _Parser:
    """Recursive descent over the tokens; ``i`` is the next token."""

    def __init__(self, tokens: list[tuple[int, str]], end: int) -> None:
        self.tokens, self.i, self.end = tokens, 0, end

    def peek(self) -> str:
        return self.tokens[self.i][1] if self.i < len(self.tokens) else ""

    def take(self) -> tuple[int, str]:
        if self.i >= len(self.tokens):
            raise RequirementError("unexpected end of requirement", self.end)
        self.i += 1
        return self.tokens[self.i - 1]

    def or_(self) -> Requirement:
        parts = [self.and_()]
        while self.peek() == "or":
            self.take()
            parts.append(self.and_())
        return parts[0] if len(parts) == 1 else AnyOf(tuple(parts))

    def and_(self) -> Requirement:
        parts = [self.not_()]
        while self.peek() == "and":
            self.take()
            parts.append(self.not_())
        return parts[0] if len(parts) == 1 else All(tuple(parts))

    def not_(self) -> Requirement:
        col, tok = self.take()
        if tok == "not":
            return Not(self.not_())
        if tok == "(":
            inner = self.or_()
            if self.take()[1] != ")":
                raise RequirementError("expected ')'", self.tokens[self.i - 1][0])
            return inner
        if not tok[0].isalpha() or tok in _KEYWORDS:
            raise RequirementError(f"expected a skill, got {tok!r}", col)
        return self.comparison(tok)

    def comparison(self, skill: str) -> Requirement:
        if self.peek() not in _OPS:
            return Has(skill, ">=", 1)
        op = self.take()[1]
        col, level = self.take()
        if not level.isdigit():
            raise RequirementError(f"expected a level after {op!r}, got {level!r}", col)
        return Has(skill, op, int(level))
