"""Small pretrained models made in this repository (no downloads): each weights file sits beside
the script that trained it deterministically on data it generates."""
