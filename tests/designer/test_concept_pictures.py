"""The autoencoder, VAE and GAN concept pages: what each part does, their examples, and the
pictures of their training (grabbed from the training plots by tests/designer/guide_pictures.py)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QUrl
from PySide6.QtGui import QImage, QTextDocument

from core.guide_concepts import CONCEPTS, concept, picture_path, shipped_examples, shipped_pictures

GENERATIVE = ("concept:autoencoder", "concept:vae", "concept:gan")


def test_every_declared_picture_is_shipped_and_small():
    for page in CONCEPTS:
        for name, caption in page.pictures:
            path = picture_path(name)
            assert path is not None, f"{page.key}: resources/guide/{name} is missing"
            assert caption and path.stat().st_size < 150_000
            image = QImage(str(path))
            assert not image.isNull() and 300 <= image.width() <= 900


@pytest.mark.parametrize("key", GENERATIVE)
def test_a_generative_page_says_what_each_part_does_and_shows_its_training(window, key):
    page = concept(key)
    assert len(page.pictures) >= 2 and shipped_examples(page)  # pictures, and an example to open
    assert any(text.startswith("What each part does") for text in page.paragraphs)
    assert any(text.startswith("Watch it train") for text in page.paragraphs)
    guide = window.guide.guide
    guide.open_topic(key)
    text = guide.text.toPlainText()
    assert "WATCH IT TRAIN" in text
    html = guide.text.toHtml()
    document = guide.text.document()
    for path, caption in shipped_pictures(page):
        assert caption in text
        assert path.name in html
        shown = document.resource(QTextDocument.ResourceType.ImageResource, QUrl(path.as_uri()))
        expected = QImage(str(path))
        assert shown is not None and not shown.isNull()  # the document loaded it (a QPixmap)
        assert shown.size() == expected.size()


def test_the_sample_layer_points_to_the_vae_page(window):
    guide = window.guide.guide
    guide.open_topic("layer:Sample")
    assert "Variational autoencoders (VAE)" in guide.text.toPlainText()
