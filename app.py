"""MLP-Mixer Explorer: `python app.py` serves the app on 127.0.0.1:7860 (GRADIO_SERVER_NAME / _PORT override).

Hugging Face Spaces imports this file and serves the module-level `demo`.
"""
from explorer.app.server import launch
from explorer.app.wiring import build_app

demo = build_app()

if __name__ == "__main__":
    launch(demo)
