from __future__ import annotations

from reviews.sentiment.text import prepare, split_sentences, strip_html


def test_strip_html_turns_breaks_into_newlines_and_unescapes_entities():
    raw = "Great film.<br /><br />Loved the <i>score</i> &amp; the cast."
    assert strip_html(raw) == "Great film.\n\nLoved the score & the cast."


def test_empty_whitespace_and_markup_only_texts_are_not_analysable():
    for raw in (None, "", "   ", "<br /><br />", "<p></p>", "!!! ..."):
        prepared = prepare(raw)
        assert not prepared.analysable
        assert prepared.reason == "empty"


def test_enormous_text_is_truncated_at_a_word_boundary_and_says_so():
    prepared = prepare("This film was great fun and I liked it. " * 2000)
    assert prepared.analysable
    assert len(prepared.text) <= 20_000
    assert prepared.text.endswith(("it.", "liked", "fun", "great", "was", "film", "This", "and", "I"))
    assert prepared.reason == "truncated to 20000 characters"


def test_non_english_reviews_are_marked():
    french = "Ce film est magnifique, les acteurs sont excellents et la musique est très belle du début à la fin."
    german = "Der Film war wirklich großartig und die Schauspieler haben mich von Anfang bis Ende begeistert."
    japanese = "この映画は本当に素晴らしかった。俳優たちの演技が最高でした。"
    for text in (french, german, japanese):
        assert prepare(text).reason == "not English", text


def test_english_reviews_short_and_long_pass_the_language_check():
    assert prepare("Loved it!").analysable
    assert prepare("The acting was superb and the story kept me guessing until the very end.").analysable


def test_sentences_split_on_end_punctuation_and_line_breaks_but_not_abbreviations():
    text = "Mr. Smith was great. Was it too long? Yes!\nThe end was fine"
    assert split_sentences(text) == ["Mr. Smith was great.", "Was it too long?", "Yes!", "The end was fine"]
