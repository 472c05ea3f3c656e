"""The line-fit lesson: its settings, its run (points + settings -> all the views need), its
exports (trajectory CSV, NumPy script)."""
