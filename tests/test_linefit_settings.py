"""LineFitSettings and LineFitView <-> URL query parameters: validation, clamping, notes,
round trips."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gdviz.linefit.settings import (
    GENERATE,
    MAX_PAGE_STEPS,
    LineFitSettings,
    LineFitView,
    from_query,
    to_query,
)
from gdviz.optimizers import OPTIMIZERS

CHOICES = ("study-hours", "by-hand", GENERATE, "upload")


def settings_and_notes(params):
    """from_query without the view, for the tests about the run's settings."""
    settings_, _, notes = from_query(params)
    return settings_, notes


def test_no_parameters_give_the_defaults_and_no_notes():
    assert from_query({}) == (LineFitSettings(), LineFitView(), [])


def test_defaults_round_trip():
    settings_, notes = settings_and_notes(to_query(LineFitSettings()))
    assert settings_ == LineFitSettings() and notes == []


@pytest.mark.parametrize(
    ("name", "raw", "words"),
    [
        ("lr", "abc", "not a number"),
        ("lr", "nan", "not a finite number"),
        ("steps", "2.5", "not a whole number"),
        ("optimizer", "sgd-turbo", "not one of"),
        ("scale", "maybe", "expected 1 or 0"),
        ("dataset", "nope", "not one of"),
    ],
)
def test_malformed_values_fall_back_with_a_note(name, raw, words):
    settings_, notes = settings_and_notes({name: raw})
    assert getattr(settings_, name) == getattr(LineFitSettings(), name)
    assert len(notes) == 1 and name in notes[0] and words in notes[0]


@pytest.mark.parametrize(
    ("name", "raw", "expected"),
    [
        ("lr", "1e300", 1e6),
        ("steps", "99999999", MAX_PAGE_STEPS),
        ("n", "1", 2),
        ("noise", "-1", 0),
    ],
)
def test_out_of_range_values_are_clamped_with_a_note(name, raw, expected):
    settings_, notes = settings_and_notes({name: raw})
    assert getattr(settings_, name) == expected
    assert any("minimum" in n or "maximum" in n for n in notes)


def test_long_user_text_is_cut_in_notes():
    _, notes = settings_and_notes({"optimizer": "x" * 5000})
    assert len(notes[0]) < 200


def test_cross_field_rules():
    settings_, view, notes = from_query({"xmin": "5", "xmax": "1", "steps": "10", "step": "50"})
    assert (settings_.x_min, settings_.x_max) == (0.0, 10.0)
    assert view.step == 10
    assert len(notes) == 2


def test_a_link_without_a_learning_rate_gets_the_rate_that_suits_its_sample():
    from gdviz.samples import SAMPLES

    settings_, _, notes = from_query({"dataset": "house-prices"})
    assert settings_.lr == SAMPLES["house-prices"].lr and notes == []
    settings_, _, _ = from_query({"dataset": "house-prices", "lr": "0.5"})
    assert settings_.lr == 0.5  # a rate the link names is kept


def test_visual_toggles_travel_in_the_link():
    settings_, view, notes = from_query({"residuals": "1", "step": "7"})
    assert view == LineFitView(step=7, residuals=True) and notes == []
    assert to_query(settings_, view)["residuals"] == "1"


def test_hyperparameters_belong_to_the_chosen_optimizer():
    settings_, notes = settings_and_notes({"optimizer": "adam", "beta1": "0.8", "momentum": "0.5"})
    assert settings_.hyperparameters()["beta1"] == 0.8
    assert "momentum" not in settings_.hyperparameters()  # adam has none: ignored quietly
    assert notes == []
    query = to_query(settings_)
    assert query["beta1"] == "0.8" and "momentum" not in query


def test_repeated_parameters_use_the_first():
    settings_, _ = settings_and_notes({"lr": ["0.5", "0.1"]})
    assert settings_.lr == 0.5


def test_generator_values_travel_only_for_generated_data():
    assert "slope" not in to_query(LineFitSettings(dataset="by-hand"))
    assert to_query(LineFitSettings(dataset=GENERATE, slope=-1.5))["slope"] == "-1.5"


@st.composite
def valid_settings(draw):
    optimizer = draw(st.sampled_from(sorted(OPTIMIZERS)))
    steps = draw(st.integers(1, MAX_PAGE_STEPS))
    finite = st.floats(-1e6, 1e6, allow_nan=False)
    hyper = tuple(
        (h.name, draw(st.booleans()) if h.is_flag else draw(st.floats(h.low, h.high)))
        for h in OPTIMIZERS[optimizer].hyperparameters
    )
    base = LineFitSettings(
        dataset=draw(st.sampled_from(CHOICES)),
        n=draw(st.integers(2, 1000)),
        slope=draw(finite),
        intercept=draw(finite),
        noise=draw(st.floats(0, 1e3)),
        seed=draw(st.integers(0, 2**32 - 1)),
        optimizer=optimizer,
        lr=draw(st.floats(1e-12, 1e6)),
        steps=steps,
        m0=draw(finite),
        b0=draw(finite),
        loss=draw(st.sampled_from(["mse", "sse", "mae", "huber"])),
        delta=draw(st.floats(1e-9, 1e9)),
        batch=draw(st.integers(0, 1000)),
        scale=draw(st.booleans()),
        hyper=hyper,
    )
    view = LineFitView(step=draw(st.integers(0, steps)), residuals=draw(st.booleans()))
    return base, view


@settings(max_examples=150, deadline=None)
@given(valid_settings())
def test_every_valid_setting_round_trips_through_the_url_exactly(drawn):
    s, view = drawn
    back, back_view, notes = from_query(to_query(s, view))
    assert notes == []
    assert to_query(back, back_view) == to_query(s, view) and back_view == view
    assert back.hyperparameters() == s.hyperparameters()
    assert back.lr == s.lr and back.m0 == s.m0  # floats survive bit for bit (repr)


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(
            [
                *list(to_query(replace(LineFitSettings(), dataset=GENERATE))),
                "beta1",
                "momentum",
                "x",
                "",
            ]
        ),
        st.text(max_size=30) | st.lists(st.text(max_size=10), max_size=3),
    )
)
def test_any_query_gives_valid_settings_and_never_raises(params):
    settings_, view, notes = from_query(params)
    assert settings_.optimizer in OPTIMIZERS
    assert 1 <= settings_.steps <= MAX_PAGE_STEPS and 0 <= view.step <= settings_.steps
    assert settings_.x_min < settings_.x_max
    assert all(isinstance(n, str) and n for n in notes)
    OPTIMIZERS[settings_.optimizer].build(settings_.lr, **settings_.hyperparameters())
