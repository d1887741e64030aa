"""One suite of scored checks per unit (``autograder/units/<unit>.py`` defines ``suite``)."""
