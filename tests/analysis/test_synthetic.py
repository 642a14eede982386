"""The synthetic scale-up used by the national benchmark and the wide-pair tests."""
import numpy as np

from allocator.analysis.synthetic import scaled_up
from allocator.usecases import load_inputs


def test_a_grown_set_keeps_the_real_regions_copies_flags_and_scales_the_pools():
    inputs = load_inputs("sichuan-2020")
    policy, data = scaled_up(inputs.policy, inputs.data, 400, seed=3)
    n = len(inputs.data)
    assert len(data) == 400 and len(set(data.codes)) == 400
    assert (data.codes[:n] == inputs.data.codes).all() and data.codes[n] == "700000"
    for key, values in inputs.data.columns.items():
        np.testing.assert_array_equal(data.columns[key][:n], values)  # the real regions as they are
    assert set(np.unique(data.columns["deep_poverty_county"])) <= {0, 1}  # flags copied, not scaled
    for old, new in zip(inputs.policy.pools, policy.pools):
        ratio = data.columns[old.base_column].sum() / inputs.data.columns[old.base_column].sum()
        assert new.total == round(old.total * ratio)
    again_policy, again = scaled_up(inputs.policy, inputs.data, 400, seed=3)
    assert again_policy.digest == policy.digest and again.digest == data.digest  # seeded
