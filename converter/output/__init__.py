"""Output that appears whole or not at all: atomic files (atomic.py), output folders swapped in
whole or replaced file by file under a manifest (folder.py, manifest.py), the temporary parts a
run writes and the next run cleans (parts.py), and full or failing disks as messages naming the
file (diskerrors.py).

May import: converter.problems and converter.signals only.
"""
