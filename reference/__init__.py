"""Reference solutions: the single source of truth. Never shipped to students."""
