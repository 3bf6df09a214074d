"""Calls spoken at the window (叫号语音): Qt's text-to-speech with a voice of
the interface language where one is installed, else the system chime.
Off unless the ``hall.voice`` setting names an engine ("default" for the
system's); the hall display page speaks on its own in the browser."""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QApplication

from counter_app.i18n import language as current_language

log = logging.getLogger(__name__)
SPEECH, CHIME = "speech", "chime"


class HallVoice(QObject):
    def __init__(self, engine: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.tts = None
        self.reason = ""
        try:
            from PySide6.QtTextToSpeech import QTextToSpeech
        except ImportError as exc:  # the module ships with PySide6, normally
            self.reason = str(exc)
            return
        tts = (
            QTextToSpeech(self) if engine == "default" else QTextToSpeech(engine, self)
        )
        if tts.state() == QTextToSpeech.State.Error:
            self.reason = tts.errorString() or engine
            log.info("no text-to-speech (%s): calls chime", self.reason)
            return
        self.tts = tts

    def announce(self, text: str) -> str:
        """Speak ``text`` in a voice of the interface language; chime when
        there is none. Returns which it did."""
        language = current_language().split("_")[0]
        if self.tts is not None:
            voices = [
                v
                for v in self.tts.availableVoices()
                if v.locale().name().split("_")[0] == language
            ]
            if not voices:  # the engine's voices are per locale
                for locale in self.tts.availableLocales():
                    if locale.name().split("_")[0] == language:
                        self.tts.setLocale(locale)
                        voices = list(self.tts.availableVoices())
                        break
            if voices:
                self.tts.setVoice(voices[0])
                self.tts.say(text)
                return SPEECH
        QApplication.beep()
        return CHIME
