"""The engine: one parse and one walk of a file, the contract checks implement, name
resolution, positions of findings, and the analysis of one file from text to findings."""
