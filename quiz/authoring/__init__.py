"""Trainers' workshop: bank editor, validation, preview, publication, history and item statistics."""
