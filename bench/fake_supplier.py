"""A local stand-in for a supplier's inbox: a minimal SMTP server that notes when each purchase order arrives.

python bench/fake_supplier.py PORT LOG   appends one JSON line per message: {"at": epoch seconds, "subject": ...}
The worker sends purchase orders by mail (MAIL_SERVER=127.0.0.1, MAIL_PORT=PORT, MAIL_USE_TLS=0); when
suppliers get a webhook, this is where its endpoint goes.
"""
import email
import email.policy
import json
import socketserver
import sys
import time


class SMTPHandler(socketserver.StreamRequestHandler):
    def reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self) -> None:
        self.reply("220 fake-supplier ESMTP")
        while line := self.rfile.readline():
            verb = line.decode("ascii", "replace").strip().split(" ", 1)[0].upper()
            if verb == "DATA":
                self.reply("354 end with <CRLF>.<CRLF>")
                self.receive()
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:  # EHLO, HELO, MAIL, RCPT, RSET, NOOP: all accepted
                self.reply("250 ok")

    def receive(self) -> None:
        lines = []
        while (line := self.rfile.readline()) not in (b".\r\n", b".\n", b""):
            lines.append(line[1:] if line.startswith(b"..") else line)
        message = email.message_from_bytes(b"".join(lines), policy=email.policy.default)
        record = {"at": time.time(), "to": str(message["To"]), "subject": str(message["Subject"])}
        with open(self.server.log_path, "a", encoding="utf-8") as log:
            log.write(json.dumps(record) + "\n")
        self.reply("250 queued")


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


if __name__ == "__main__":
    server = Server(("127.0.0.1", int(sys.argv[1])), SMTPHandler)
    server.log_path = sys.argv[2]
    server.serve_forever()
