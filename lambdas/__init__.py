"""Thin Lambda entry points: event in, one use case, result out."""
