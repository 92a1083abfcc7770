"""The ROI bounding box against the extents of numpy.nonzero."""

import numpy as np
import pytest

from radiogenomics.features.roi_box import bounding_box


@pytest.mark.parametrize("margin", [0, 2, (1, 0, 5)])
def test_box_matches_nonzero_extents(margin):
    rng = np.random.default_rng(4)
    mask = np.zeros((12, 15, 17), dtype=bool)
    mask[3:9, 1:7, 10:16] = rng.random((6, 6, 6)) > 0.7
    box = bounding_box(mask, margin)
    margins = np.broadcast_to(margin, (3,))
    for axis, index in enumerate(np.nonzero(mask)):
        assert box[axis].start == max(index.min() - margins[axis], 0)
        assert box[axis].stop == min(index.max() + 1 + margins[axis], mask.shape[axis])
    assert mask[box].sum() == mask.sum()
