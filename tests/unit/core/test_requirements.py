import pytest
from hypothesis import given
from hypothesis import strategies as st

from acd.core.requirements import ANYONE, RequirementError, parse, skills_named


@pytest.mark.parametrize(
    ("text", "skills", "expected"),
    [
        ("urp >= 2 and lang.it >= 1", {"urp": 2, "lang.it": 5}, True),
        ("urp >= 2 and lang.it >= 1", {"urp": 1, "lang.it": 5}, False),
        ("urp", {"urp": 1}, True),
        ("urp", {}, False),
        ("not video", {"urp": 3}, True),
        ("urp >= 3 or backoffice >= 1", {"backoffice": 1}, True),
        ("(urp > 3 or video == 1) and not lang.en < 2", {"video": 1, "lang.en": 2}, True),
        ("a or b and c", {"a": 1}, True),  # and binds tighter than or
        ("(a or b) and c", {"a": 1}, False),
        ("urp != 0", {}, False),
        ("urp <= 2", {}, True),  # a missing skill is level 0
        ("", {}, True),
    ],
)
def test_evaluates(text: str, skills: dict[str, int], expected: bool) -> None:
    assert parse(text)(skills) is expected


@pytest.mark.parametrize(
    ("text", "column", "words"),
    [
        ("urp >=", 7, "end"),
        ("urp >= two", 8, "level"),
        ("urp and", 8, "end"),
        ("(urp or demo", 13, "end"),
        ("urp >= 2 demo", 10, "unexpected 'demo'"),
        ("urp ; drop", 5, "character ';'"),
        ("and urp", 1, "expected a skill"),
        ("__import__('os')", 1, "character '_'"),
    ],
)
def test_refuses_bad_syntax_with_the_column(text: str, column: int, words: str) -> None:
    with pytest.raises(RequirementError) as info:
        parse(text)
    assert info.value.column == column
    assert words in str(info.value)


def test_names_its_skills_and_empty_is_anyone() -> None:
    assert list(skills_named(parse("urp >= 2 and not (video or lang.en > 1)"))) == [
        "urp", "video", "lang.en",
    ]  # fmt: skip
    assert parse("  ") == ANYONE


names = st.sampled_from(["urp", "video", "lang.it"])
levels = st.dictionaries(names, st.integers(0, 5))


@st.composite
def expressions(draw: st.DrawFn, depth: int = 0) -> str:
    if depth > 2 or draw(st.booleans()):
        op = draw(st.sampled_from([">=", ">", "<=", "<", "==", "!="]))
        return f"{draw(names)} {op} {draw(st.integers(0, 5))}"
    kind = draw(st.sampled_from(["and", "or", "not"]))
    left = draw(expressions(depth + 1))
    if kind == "not":
        return f"not ({left})"
    return f"({left}) {kind} ({draw(expressions(depth + 1))})"


@given(expressions(), levels)
def test_agrees_with_python_on_the_same_text(text: str, skills: dict[str, int]) -> None:
    env = {k.replace(".", "_"): skills.get(k, 0) for k in ["urp", "video", "lang.it"]}
    assert parse(text)(skills) == eval(text.replace("lang.it", "lang_it"), {}, env)
