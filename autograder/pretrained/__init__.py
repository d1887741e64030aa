"""Small pretrained models made in this repository (no downloads): each weights file sits beside
the script that trained it deterministically on data it generates; and the generated data of the
exercises that use them (shapes.py: stroke images; clips.py: captioned clips of moving shapes;
leaves.py: leaf patches with a rare disease)."""
