"""Unit 5 -- convolutional networks.

Convolution and pooling layers with their backward passes (numpy, NCHW), a small CNN with a
softmax cross-entropy loss, the classic architectures (AlexNet, VGG-16, ResNet-18, GoogLeNet) and
their building blocks in torch, object-detection primitives (IoU, non-maximum suppression),
style-transfer losses, and super-resolution (pixel shuffle, PSNR, a sub-pixel network).
"""
