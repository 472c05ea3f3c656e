"""Optimizers racing on 2-D functions: the settings (one URL form) and the fair runs."""
