import pytest

from forum.text import excerpt, title_from


@pytest.mark.parametrize(
    ("title", "body", "expected"),
    [
        ("谁家的狗丢了?", "谁家的狗丢了?\n棕色小狗", "棕色小狗"),
        ("谁家的狗丢了?", "谁家的狗丢了?", ""),
        ("寻狗", "谁家的狗丢了?\n棕色小狗", "谁家的狗丢了?\n棕色小狗"),
        ("长", "长\n" + "字" * 300, "字" * 140),
    ],
)
def test_the_excerpt_does_not_repeat_a_derived_title(title: str, body: str, expected: str) -> None:
    assert excerpt(title, body) == expected


def test_a_title_comes_from_the_first_line() -> None:
    assert title_from("  楼道灯坏了\n三楼", 80) == "楼道灯坏了"
    assert title_from("字" * 100, 80) == "字" * 80
