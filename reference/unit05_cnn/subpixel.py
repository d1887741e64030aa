"""Unit 5: a tiny sub-pixel convolutional network for super-resolution (ESPCN-style, torch).

The network works at low resolution and produces scale * scale output channels per image
channel, which a pixel shuffle rearranges into an image scale times larger. The grader trains
it on images it generates and compares its PSNR with nearest-neighbour upsampling.
"""
import torch
from torch import nn


class SubPixelNet(nn.Module):
    """(N, channels, H, W) float32 -> (N, channels, H * scale, W * scale):

        relu(conv1(x)) -> relu(conv2(.)) -> conv3(.) -> shuffle(.)

    Attributes:
        conv1: nn.Conv2d(channels, features, 5, padding=2).
        conv2: nn.Conv2d(features, features // 2, 3, padding=1).
        conv3: nn.Conv2d(features // 2, channels * scale * scale, 3, padding=1).
        shuffle: nn.PixelShuffle(scale).
    """

    def __init__(self, scale=2, channels=1, features=32):
        ### BEGIN SOLUTION
        super().__init__()
        self.conv1 = nn.Conv2d(channels, features, 5, padding=2)
        self.conv2 = nn.Conv2d(features, features // 2, 3, padding=1)
        self.conv3 = nn.Conv2d(features // 2, channels * scale * scale, 3, padding=1)
        self.shuffle = nn.PixelShuffle(scale)
        ### END SOLUTION

    def forward(self, x):
        ### BEGIN SOLUTION
        return self.shuffle(self.conv3(torch.relu(self.conv2(torch.relu(self.conv1(x))))))
        ### END SOLUTION
