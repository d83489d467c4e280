from acd.config import load_config
from ivr.flow import Walk, run_tree
from ivr.steps import Collect, Enqueue, Play

CFG = load_config("examples/modena.yaml")


def steps(answers: list[str | None]) -> tuple[list[object], Walk]:
    walk = Walk()
    flow = run_tree(CFG.ivr["main"], walk)
    seen = [next(flow)]
    for answer in answers:
        try:
            seen.append(flow.send(answer))
        except StopIteration:
            break
    return seen, walk


def test_greeting_menu_and_enqueue() -> None:
    seen, walk = steps([None, "2", None])
    assert seen[:3] == [Play("welcome"), Collect("services-menu", 5), Enqueue("informagiovani")]
    assert walk.keys() == ("2",)
    assert walk.path == ["welcome", "services=2", "to-informagiovani"]


def test_wrong_key_reprompts_then_falls_back() -> None:
    seen, walk = steps([None, "9", None, "8", None, None])
    assert seen[2] == Play("invalid")
    assert seen[-1] == Enqueue("urp")
    assert walk.path[-1] == "to-urp"
    assert walk.keys() == ()


def test_silence_falls_back_after_retries() -> None:
    seen, _ = steps([None, "", "", ""])
    assert seen[1:4] == [Collect("services-menu", 5)] * 3
    assert seen[4] == Enqueue("urp")
