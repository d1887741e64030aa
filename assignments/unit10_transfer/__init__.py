"""Unit 10 -- transfer learning with a small pretrained network (torch).

A convolutional network pretrained on one task (recognizing single strokes in 8x8 images) is
reused for a new task with few labelled examples (shapes made of two strokes): load its weights,
replace the classification head for the new number of classes, freeze the backbone or fine-tune
it with a smaller learning rate, keep batch-norm statistics frozen, and compare with training
from scratch.

Transfer learning is how deep learning reaches fields where labelled data is scarce or costly.
In healthcare, networks pretrained on natural images are fine-tuned to read X-rays, retinal
scans and pathology slides from a few thousand expert-labelled cases; in agriculture, the same
recipe recognizes crop diseases and weeds from field photographs; in genomics, models pretrained
on large unlabelled sequence collections are adapted to predict regulatory function or variant
effects. Autonomous systems reuse perception backbones across cameras, vehicles and cities,
fine-tuning them for new conditions; image captioning pairs a pretrained image encoder with a
language decoder; and recommender systems transfer user and item representations learned on one
product or market to another with fewer interactions. In each case the pretrained features carry
what the large source data set taught, and the small target data set only has to teach the head.
"""
