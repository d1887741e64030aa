"""Your work: one package per unit. Fill in the functions marked ``raise NotImplementedError``."""
