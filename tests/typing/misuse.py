"""Misuse that type checkers must reject (tests/test_typing.py expects one error per line
marked `# error`)."""

import numpy as np

import dynacrop_native as dc

image = np.zeros((48, 64, 3), np.uint8)
boxes = np.array([[1.0, 2.0, 30.0, 40.0]])

dc.dynamic_crop(image, boxes, output="rgba")  # error
dc.dynamic_crop(image, boxes, out_of_bounds="wrap")  # error
dc.dynamic_crop(image, boxes, margn=4)  # error
dc.dynamic_crop_batch([image], [boxes], mask_opacty=0.5)  # error
dc.crop_resize_batch(image, boxes, 224, interpolation="bicubic")  # error
dc.crop_resize_batch(image, boxes, 224, layout="CHW")  # error
dc.oriented_crop(image, boxes, orientation="left")  # error
dc.capabilities()["gpu"]  # error
