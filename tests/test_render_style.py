"""The look both renderers share: one colour limit rule, one wrapping rule, one log-axis rule."""
import numpy as np

from explorer.render import style


def test_colour_limits_are_the_largest_finite_magnitude():
    assert style.symmetric_limit(np.array([0.5, -2.0, np.nan])) == 2.0
    assert style.symmetric(np.array([[1.0, -3.0]])) == (-3.0, 3.0)
    assert style.symmetric_limit(np.array([1.0, np.inf])) == 1.0  # a stray inf does not wash the map out
    assert style.symmetric_limit(np.zeros(3)) == style.symmetric_limit(np.array([np.nan])) == 1.0


def test_wrapping_keeps_words_whole_for_plotly_and_cuts_them_for_matplotlib():
    assert style.wrap("a very-long-word here", 6) == "a<br>very-long-word<br>here"
    assert style.wrap("a very-long-word here", 6, newline="\n", cut_words=True) == "a\nvery-\nlong-\nword\nhere"
    assert style.wrap("first<br>second line", 80) == "first<br>second line"  # a break already there stays


def test_small_probabilities_go_on_a_log_axis():
    assert style.log_probability_axis(style.highest_probability(np.array([0.01, np.nan]), np.array([0.1])))
    assert not style.log_probability_axis(0.2)
