"""Curtois–Qu shift scheduling benchmark (Instances 1–24): parser, CP-SAT model, independent evaluator.

`python -m solver curtois INSTANCE.txt` solves one file (cli.py); `python -m solver bench --curtois`
adds the benchmark table (bench.py). The format and rules are solver/data/curtois/FORMAT.md.
"""
