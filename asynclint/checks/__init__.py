"""The checks the engine runs: one module per rule family, or a package where the project
index confirms the family's findings (its ``__init__`` then holds, free of LibCST, what those
findings say, since linking runs without LibCST). The rule table in ``asynclint.codes``
names each code's check; ``registry`` derives the list the engine runs from it.
"""
