/** One message of the demo's pretend correspondents. */
export interface Letter {
  from: { name: string; address: string };
  subject: string;
  text: string;
  html?: string;
  attachment?: { filename: string; contentType: string; content: string };
}

export const WELCOME: Letter = {
  from: { name: "Connected Apps demo", address: "demo@connected-apps.example" },
  subject: "Welcome to the Connected Apps demo",
  text: `Hello,

this mailbox lives in a local Dovecot. The app reads it over IMAP, signing in
with the OAuth token you granted at the local OpenID provider (XOAUTH2), and
sends through a local SMTP server with the same token.

A new message arrives here every little while. Open one and reply: the sender
answers a few seconds later.

Have a look around.`,
};

/** Who writes to the demo mailbox, in turn: plain text, HTML newsletters, an attachment, non-ASCII names. */
export const LETTERS: Letter[] = [
  {
    from: { name: "Priya Natarajan", address: "priya.natarajan@northwind.example" },
    subject: "Agenda for Thursday's planning meeting",
    text: `Hi,

here is what I'd like to cover on Thursday:

1. Q3 roadmap: what slips, what stays
2. Hiring for the platform team
3. The support rota over the summer

Shout if you want to add anything. 45 minutes should do.

Priya`,
  },
  {
    from: { name: "Northwind Travel", address: "bookings@travel.example" },
    subject: "Your booking is confirmed: Lisbon, 14-17 May",
    text: "Booking NWT-48213 is confirmed.\n\nFlight TP 1351, 14 May, 07:25 from Amsterdam.\nHotel Alfama Rio, 3 nights, breakfast included.\n\nManage your booking at https://travel.example/b/NWT-48213",
    html: `<html><body style="font-family:sans-serif">
<h2 style="color:#0a5">Your trip to Lisbon is confirmed</h2>
<p>Booking <strong>NWT-48213</strong></p>
<table cellpadding="6" style="border-collapse:collapse">
<tr><td>Flight</td><td>TP 1351, 14 May, 07:25 from Amsterdam</td></tr>
<tr><td>Hotel</td><td>Alfama Rio, 3 nights, breakfast included</td></tr>
</table>
<p><a href="https://travel.example/b/NWT-48213">Manage your booking</a></p>
</body></html>`,
  },
  {
    from: { name: "Marco Rossi", address: "marco.rossi@fabrikam.example" },
    subject: "Invoice 2024-117",
    text: `Hello,

attached to my last mail was invoice 2024-117 for the April work. Could you
confirm it reached accounts payable? Our system shows it as still open.

Thanks and have a good day,
Marco Rossi
Fabrikam Consulting`,
  },
  {
    from: { name: "The Morning Brief", address: "newsletter@brief.example" },
    subject: "Five things to know today",
    text: "1. Markets open higher.\n2. A new bridge for the city centre.\n3. Rain expected from noon.\n4. The library extends its hours.\n5. Tonight: the final.",
    html: `<html><body style="font-family:Georgia,serif;max-width:560px">
<h1 style="font-size:22px">The Morning Brief</h1>
<ol>
<li><strong>Markets</strong> open higher after a quiet week.</li>
<li>A <strong>new bridge</strong> for the city centre gets the go-ahead.</li>
<li><strong>Rain</strong> expected from noon: take an umbrella.</li>
<li>The <strong>library</strong> extends its opening hours.</li>
<li>Tonight: <em>the final</em>.</li>
</ol>
<p style="color:#888;font-size:12px">You receive this because you subscribed at brief.example.</p>
</body></html>`,
  },
  {
    from: { name: "Léa Martin", address: "lea.martin@contoso.example" },
    subject: "Café on Friday? ☕",
    text: "Salut !\n\nI'm in town on Friday. Café at 10 near the station? My treat this time.\n\nÀ bientôt,\nLéa",
  },
  {
    from: { name: "IT Helpdesk", address: "helpdesk@it.example" },
    subject: "Planned maintenance on Saturday, 22:00-23:00",
    text: "Dear colleague,\n\nthe VPN and the intranet will be unavailable on Saturday between 22:00 and 23:00 for planned maintenance.\nMail is not affected.\n\nIT Helpdesk",
  },
  {
    from: { name: "Sam Okafor", address: "sam.okafor@northwind.example" },
    subject: "Q3 numbers (spreadsheet attached)",
    text: "Hi,\n\nthe Q3 numbers are in the attached CSV. Revenue is up, churn is flat.\nCan we go through them before Monday?\n\nSam",
    attachment: {
      filename: "q3-numbers.csv",
      contentType: "text/csv",
      content: "month,revenue,new_customers,churned\nJuly,48200,31,4\nAugust,51900,36,5\nSeptember,55300,40,4\n",
    },
  },
  {
    from: { name: "Calendar", address: "calendar@northwind.example" },
    subject: "Invitation: Design review, Tuesday 15:00",
    text: "Priya Natarajan invites you to: Design review\nTuesday 15:00-16:00, room Harbour\n\nAccept, decline or propose a new time in your calendar.",
    html: `<html><body style="font-family:sans-serif">
<p><strong>Priya Natarajan</strong> invites you to</p>
<h2 style="margin:0">Design review</h2>
<p>Tuesday 15:00-16:00 &middot; room Harbour</p>
<p><a href="https://calendar.example/r/4471">Accept</a> &middot; <a href="https://calendar.example/r/4471">Decline</a></p>
</body></html>`,
  },
  {
    from: { name: "Yuki Tanaka", address: "yuki.tanaka@partners.example" },
    subject: "Quick question about the API keys",
    text: "Hi,\n\nquick one: do API keys expire, or do we rotate them ourselves?\nWe would like to put the rotation in our runbook.\n\nThanks!\nYuki",
  },
  {
    from: { name: "Cloud Billing", address: "billing@cloud.example" },
    subject: "Your invoice for March is ready",
    text: "Your invoice for March is ready: 312.40 EUR, due on 15 April.\nDownload it from the billing console.",
    html: `<html><body style="font-family:sans-serif">
<h2>Your invoice is ready</h2>
<p>Amount due: <strong>312.40 EUR</strong>, by 15 April.</p>
<p><a href="https://cloud.example/billing">Open the billing console</a></p>
</body></html>`,
  },
  {
    from: { name: "Grandma", address: "grandma@family.example" },
    subject: "Photos from the weekend",
    text: "Hello dear,\n\nit was lovely to see you all on Sunday. Uncle Tom has the photos, he says he will send them \"soon\".\nThe apple cake recipe is on the back of the blue notebook, I will copy it for you.\n\nLots of love",
  },
];
