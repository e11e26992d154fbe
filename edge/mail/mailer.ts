export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  html: string;
  /** The one action link of the message, kept by the development mailbox for people and tests. */
  link?: string;
}

export interface Mailer {
  send(mail: OutgoingMail): Promise<void>;
}
