import MailTimeProtocol
import MailTimeQueue

extension LeasedEmail {
    /// A leased queue job as a `LEASE` reply hands it out: its lease, the recipients earlier
    /// attempts settled, and the stored email as it is.
    init(_ leased: LeasedJob) {
        let job = leased.job
        self.init(
            id: job.id.description,
            token: leased.token,
            attempts: job.attempts,
            provider: job.providerIndex,
            deadline: job.lease!.deadline.millisecondsSince1970,
            settledRecipients: job.settledRecipients,
            email: leased.payload
        )
    }
}
