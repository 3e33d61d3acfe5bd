"""Modalities: how an object of one kind becomes a tensor, a file and a picture or a sound."""
