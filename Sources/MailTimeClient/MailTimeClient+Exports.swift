// The client's API speaks the protocol's bodies (JobStatus, BrokerStats, MailTimeEvent) and the
// shared values (RecipientResult, DeliveryFailure): importing the client brings them along.
@_exported import MailTimeModel
@_exported import MailTimeProtocol
