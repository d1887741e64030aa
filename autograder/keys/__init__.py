"""Instructor-only checks: code that computes an exercise's expected output (answer keys).

``autograder/keys/<unit>.py`` registers checks into ``autograder.units.<unit>.suite``; shared key
helpers live beside them. Nothing in this package is ever copied into the student release.
"""
