export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  html: string;
  /** The one action link of the message, kept by the development mailbox for people and tests. */
  link?: string;
  // Channel mail (issue 17): sent from an employee's address, threaded, with files. Mailers that
  // do not support them yet ignore them.
  /** The sender ("Name <address>"); EMAIL_FROM when absent. */
  from?: string;
  /** Extra headers: In-Reply-To, References, Auto-Submitted. */
  headers?: Record<string, string>;
  attachments?: OutgoingMailAttachment[];
}

export interface OutgoingMailAttachment {
  filename: string;
  contentType: string;
  /** The bytes, base64. */
  base64: string;
}

export interface Mailer {
  send(mail: OutgoingMail): Promise<void>;
}
