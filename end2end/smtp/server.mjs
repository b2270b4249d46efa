// A real SMTP server for the tests (npm smtp-server, messages parsed with mailparser), with a
// small HTTP API to read what arrived:
//   GET    /messages   → [{ messageId, from, to: [...], subject, text, html, date }], oldest first
//   DELETE /messages   → forgets them
// Plain SMTP without authentication, on loopback only, as the portal's loopback rule allows.
//
// Environment: SMTP_PORT (default 2525), SMTP_HTTP_PORT (default 2580).

import http from 'node:http';
import { SMTPServer } from 'smtp-server';
import { simpleParser } from 'mailparser';

const messages = [];

const smtp = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS', 'AUTH'],
  // No reverse DNS of each client: on a machine without a resolver every connection waited
  // for it, which made the server, not the portal, the bottleneck under load.
  disableReverseLookup: true,
  logger: false,
  onData(stream, session, callback) {
    simpleParser(stream)
      .then((mail) => {
        messages.push({
          messageId: mail.messageId ?? null,
          from: mail.from?.text ?? '',
          to: session.envelope.rcptTo.map((r) => r.address),
          subject: mail.subject ?? '',
          text: mail.text ?? '',
          html: typeof mail.html === 'string' ? mail.html : '',
          date: new Date().toISOString(),
        });
        callback();
      })
      .catch((error) => callback(error));
  },
});

const api = http.createServer((req, res) => {
  if (req.url === '/messages' && req.method === 'GET') {
    res.writeHead(200, { 'content-type': 'application/json' });
    return res.end(JSON.stringify(messages));
  }
  if (req.url === '/messages' && req.method === 'DELETE') {
    messages.length = 0;
    res.writeHead(204);
    return res.end();
  }
  res.writeHead(404, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ error: 'GET or DELETE /messages' }));
});

const smtpPort = Number(process.env.SMTP_PORT ?? 2525);
const httpPort = Number(process.env.SMTP_HTTP_PORT ?? 2580);
smtp.listen(smtpPort, '127.0.0.1', () => {
  api.listen(httpPort, '127.0.0.1', () => {
    console.log(`smtp on 127.0.0.1:${smtpPort}, messages at http://127.0.0.1:${httpPort}/messages`);
  });
});
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => smtp.close(() => api.close(() => process.exit(0))));
}
