/** Mail server presets for the account form: Microsoft 365's and Gmail's published IMAP and SMTP servers. */
export const MAIL_SERVER_PRESETS = {
  microsoft: {
    label: "Microsoft 365 / Exchange Online",
    imap: { host: "outlook.office365.com", port: 993, security: "tls" as const },
    smtp: { host: "smtp.office365.com", port: 587, security: "starttls" as const },
    // Exchange Online allows 30 messages a minute and 3 concurrent SMTP connections per mailbox.
    sendLimits: { perMinute: 30, connections: 3 },
  },
  gmail: {
    label: "Gmail / Google Workspace",
    imap: { host: "imap.gmail.com", port: 993, security: "tls" as const },
    smtp: { host: "smtp.gmail.com", port: 465, security: "tls" as const },
    sendLimits: { perMinute: 60, connections: 3 },
  },
} as const;

export type MailServerPreset = keyof typeof MAIL_SERVER_PRESETS;
