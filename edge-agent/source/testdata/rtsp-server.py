#!/usr/bin/python3
# Serves an H.264 mp4 over RTSP for the edge agent's source test (GStreamer RTSP server;
# ffmpeg cannot serve RTSP to a pulling client). Run with Debian's /usr/bin/python3 (gi).
# Usage: rtsp-server.py FILE PORT   → rtsp://127.0.0.1:PORT/cam (loops the file for each client)
import sys, gi
gi.require_version("Gst", "1.0"); gi.require_version("GstRtspServer", "1.0")
from gi.repository import Gst, GstRtspServer, GLib
Gst.init(None)
path, port = sys.argv[1], sys.argv[2]
server = GstRtspServer.RTSPServer(); server.set_address("127.0.0.1"); server.set_service(port)
factory = GstRtspServer.RTSPMediaFactory()
factory.set_launch(f'( filesrc location="{path}" ! qtdemux ! h264parse ! rtph264pay name=pay0 pt=96 config-interval=1 )')
factory.set_shared(True)
server.get_mount_points().add_factory("/cam", factory)
server.attach(None)
print(f"READY rtsp://127.0.0.1:{port}/cam", flush=True)
GLib.MainLoop().run()
