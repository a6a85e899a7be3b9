//! Request bodies, built from validated invoices. Pure.
//!
//! One function per body; the dry run's `--emit-payloads` and the live run call the same
//! ones, so what was reviewed is exactly what is sent. Field names and shapes follow
//! Dintero's Kravia examples (`kravia-merchant-initiated-payments.txt`) and, where the
//! examples are silent, the specification (`SessionBase.url` is required on session
//! creation, with `return_url`).
//!
//! A body is canonical: the same invoice gives the same bytes whatever way the row
//! said it. `invoice_channel` is left out of the one-step body when it is `kravia`
//! (the documented default) and sent only for `merchant`; the two-step configuration
//! always names it, as Dintero's example does. The content hash of an invoice
//! ([`content_body`]) is taken over the one-step body without its `url`: settings such
//! as the callback URL, the flow or the checkout profile are not the invoice's content.

use crate::model::{BillingAddress, Invoice, InvoiceChannel, ProductType, VatRate};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::Serialize;

/// What a merchant has configured for the session bodies: Dintero's `url` object and the
/// checkout profile of `POST /v1/sessions-profile`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionSettings {
    /// `url.callback_url`: Dintero calls it when a transaction changes. None: not sent.
    pub callback_url: Option<String>,
    /// `url.return_url`: required by the specification on session creation; nobody is
    /// sent there in these merchant-initiated flows (no customer's browser).
    pub return_url: String,
    /// A checkout profile (Backoffice): sessions are created through
    /// `POST /v1/sessions-profile` with it.
    pub profile_id: Option<String>,
}

/// The `return_url` sent when the merchant has configured none. These flows never
/// redirect a customer, but the specification requires the field; Kravia's own site is
/// where a customer who somehow followed it would learn who invoices them.
pub const DEFAULT_RETURN_URL: &str = "https://www.kravia.no/";

impl Default for SessionSettings {
    fn default() -> Self {
        SessionSettings {
            callback_url: None,
            return_url: DEFAULT_RETURN_URL.to_string(),
            profile_id: None,
        }
    }
}

/// The `url` object of a session.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SessionUrl<'a> {
    pub return_url: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub callback_url: Option<&'a str>,
}

impl SessionSettings {
    /// The `url` object these settings send.
    pub fn url(&self) -> SessionUrl<'_> {
        SessionUrl {
            return_url: &self.return_url,
            callback_url: self.callback_url.as_deref(),
        }
    }
}

/// `POST /v1/sessions/pay` body.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PayRequest<'a> {
    pub payment: Payment,
    pub session: Session<'a>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Payment {
    pub payment_product_type: ProductType,
    pub operation: &'static str,
    pub days_until_due: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invoice_channel: Option<InvoiceChannel>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Session<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<SessionUrl<'a>>,
    pub order: Order<'a>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Order<'a> {
    pub amount: i64,
    pub currency: &'static str,
    pub vat_amount: i64,
    pub merchant_reference: &'a str,
    pub items: Vec<Item<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub billing_address: Option<&'a BillingAddress>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Item<'a> {
    pub line_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<&'a str>,
    pub description: &'a str,
    #[serde(serialize_with = "quantity_number")]
    pub quantity: Decimal,
    pub amount: i64,
    pub vat: VatRate,
    pub vat_amount: i64,
}

/// Quantities go out as JSON numbers: integers when whole, else the exact decimal.
fn quantity_number<S: serde::Serializer>(q: &Decimal, s: S) -> Result<S::Ok, S::Error> {
    let n = q.normalize();
    if n.scale() == 0
        && let Some(i) = n.to_i64()
    {
        return s.serialize_i64(i);
    }
    // Short decimals (1.5, 0.25) are exact as the shortest f64 text.
    s.serialize_f64(n.to_f64().unwrap_or(0.0))
}

/// The order of an invoice, with or without its billing address (two-step sessions
/// carry the address in the pay call instead).
pub fn order(invoice: &Invoice, with_address: bool) -> Order<'_> {
    Order {
        amount: invoice.amount,
        currency: invoice.currency.code(),
        vat_amount: invoice.vat_amount,
        merchant_reference: &invoice.merchant_reference,
        items: invoice
            .lines
            .iter()
            .map(|l| Item {
                line_id: &l.line_id,
                id: l.item_id.as_deref(),
                description: &l.description,
                quantity: l.quantity,
                amount: l.amount,
                vat: l.vat,
                vat_amount: l.vat_amount,
            })
            .collect(),
        billing_address: with_address.then_some(&invoice.billing_address),
    }
}

/// The one-step `POST /v1/sessions/pay` body for an invoice, with the default session
/// settings (the default `return_url`, no callback).
pub fn pay_request(invoice: &Invoice) -> PayRequest<'_> {
    static DEFAULT: std::sync::LazyLock<SessionSettings> =
        std::sync::LazyLock::new(SessionSettings::default);
    pay_request_with(invoice, &DEFAULT)
}

/// The one-step `POST /v1/sessions/pay` body for an invoice: `session.url` from the
/// settings, as in every example of Dintero's Kravia page.
pub fn pay_request_with<'a>(invoice: &'a Invoice, settings: &'a SessionSettings) -> PayRequest<'a> {
    PayRequest {
        session: Session {
            url: Some(settings.url()),
            order: order(invoice, true),
        },
        ..content_body(invoice)
    }
}

/// The invoice's content as the one-step body carries it, without the session's `url`
/// (a setting, not content): what the content hash of plans and journals is taken over.
pub fn content_body(invoice: &Invoice) -> PayRequest<'_> {
    PayRequest {
        payment: Payment {
            payment_product_type: invoice.product,
            operation: "invoice_payment",
            days_until_due: invoice.days_until_due,
            invoice_channel: canonical_channel(invoice.invoice_channel),
        },
        session: Session {
            url: None,
            order: order(invoice, true),
        },
    }
}

/// The content body as kravia-batch 0.1.0 built it before issue #17: `invoice_channel`
/// as the row gave it (`kravia` present when the row or a default said so). A journal
/// written by such a version recorded this body's hash; an invoice whose hash matches
/// it is the same invoice, not a changed one (see docs/operations.md).
pub fn legacy_content_body(invoice: &Invoice) -> PayRequest<'_> {
    let mut body = content_body(invoice);
    body.payment.invoice_channel = invoice.invoice_channel;
    body
}

/// `kravia` is the documented default of the one-step `invoice_channel`: it is left
/// out, so a row that fills in the default and one that leaves it blank send the same.
fn canonical_channel(channel: Option<InvoiceChannel>) -> Option<InvoiceChannel> {
    channel.filter(|c| *c != InvoiceChannel::Kravia)
}

/// Two-step, step 1: `POST /v1/sessions` (or `/v1/sessions-profile`) body. The `url`
/// object the specification requires, the order without its billing address (that goes
/// with step 2) and `configuration.kravia` enabling the invoice's product with its own
/// due days and channel; with a checkout profile, also `profile_id`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SessionRequest<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile_id: Option<&'a str>,
    pub url: SessionUrl<'a>,
    pub order: Order<'a>,
    pub configuration: Configuration,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Configuration {
    pub kravia: KraviaConfiguration,
}

/// `{"type": "payment_type", "invoice_b2b": {...}}`: the product's key is its API name
/// without `kravia.` (Dintero's page shows `invoice_b2b` and `invoice_b2c`; the grouped
/// product follows the same rule as `invoice_b2b_grouped`).
#[derive(Clone, Debug, PartialEq)]
pub struct KraviaConfiguration {
    pub product: ProductType,
    pub settings: ProductConfiguration,
}

impl Serialize for KraviaConfiguration {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let key = self
            .product
            .api_name()
            .strip_prefix("kravia.")
            .unwrap_or(self.product.api_name());
        let mut m = s.serialize_map(Some(2))?;
        m.serialize_entry("type", "payment_type")?;
        m.serialize_entry(key, &self.settings)?;
        m.end()
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ProductConfiguration {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub enabled: bool,
    pub days_until_due: u16,
    pub require_identity_verification: bool,
    pub invoice_channel: InvoiceChannel,
}

/// Two-step, step 2: `POST /v1/sessions/{id}/pay` body.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SessionPayRequest<'a> {
    pub payment_product_type: ProductType,
    pub billing_address: &'a BillingAddress,
}

/// The two-step session body for an invoice, with the default session settings.
pub fn session_request(invoice: &Invoice) -> SessionRequest<'_> {
    static DEFAULT: std::sync::LazyLock<SessionSettings> =
        std::sync::LazyLock::new(SessionSettings::default);
    session_request_with(invoice, &DEFAULT)
}

/// Which endpoint creates the sessions of these settings.
pub fn session_endpoint(settings: &SessionSettings) -> &'static str {
    if settings.profile_id.is_some() {
        "POST /v1/sessions-profile"
    } else {
        "POST /v1/sessions"
    }
}

/// The two-step session body for an invoice. Like Dintero's example, it names the
/// invoice channel explicitly (`kravia` unless the invoice says `merchant`), and it
/// carries the `url` object (`return_url`, and `callback_url` when configured).
pub fn session_request_with<'a>(
    invoice: &'a Invoice,
    settings: &'a SessionSettings,
) -> SessionRequest<'a> {
    SessionRequest {
        profile_id: settings.profile_id.as_deref(),
        url: settings.url(),
        order: order(invoice, false),
        configuration: Configuration {
            kravia: KraviaConfiguration {
                product: invoice.product,
                settings: ProductConfiguration {
                    kind: "payment_product_type",
                    enabled: true,
                    days_until_due: invoice.days_until_due,
                    require_identity_verification: false,
                    invoice_channel: invoice.invoice_channel.unwrap_or(InvoiceChannel::Kravia),
                },
            },
        },
    }
}

/// The two-step pay body for an invoice.
pub fn session_pay_request(invoice: &Invoice) -> SessionPayRequest<'_> {
    SessionPayRequest {
        payment_product_type: invoice.product,
        billing_address: &invoice.billing_address,
    }
}

/// One line of `--emit-payloads` for the two-step flow: both bodies of an invoice, each
/// with the request it goes with (the session id is only known once step 1 answered).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TwoStepBodies<'a> {
    pub merchant_reference: &'a str,
    pub session: Request<SessionRequest<'a>>,
    pub pay: Request<SessionPayRequest<'a>>,
}

/// A body and the request that sends it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Request<B> {
    pub request: &'static str,
    pub body: B,
}

/// Both two-step bodies of an invoice, as the live run sends them.
pub fn two_step_bodies<'a>(
    invoice: &'a Invoice,
    settings: &'a SessionSettings,
) -> TwoStepBodies<'a> {
    TwoStepBodies {
        merchant_reference: &invoice.merchant_reference,
        session: Request {
            request: session_endpoint(settings),
            body: session_request_with(invoice, settings),
        },
        pay: Request {
            request: "POST /v1/sessions/{session_id}/pay",
            body: session_pay_request(invoice),
        },
    }
}

/// The B2B example of Dintero's Kravia page (29900 NOK incl. 25 % VAT, Nordmann AS) as
/// a validated invoice with the given reference: the fixture tests and rehearsals send.
pub fn documented_example(reference: &str) -> Invoice {
    use crate::model::{BillingAddress, Country, Currency, Line, ProductType};
    Invoice {
        merchant_reference: reference.into(),
        rows: vec![2],
        product: ProductType::B2b,
        currency: Currency::NOK,
        country: Country::NO,
        days_until_due: 30,
        invoice_channel: None,
        billing_address: BillingAddress {
            first_name: "Ola".into(),
            last_name: "Nordmann".into(),
            business_name: Some("Nordmann AS".into()),
            organization_number: Some("123456789".into()),
            email: "ola@nordmann.no".into(),
            phone_number: "+4799999999".into(),
            address_line: "Storgata 1".into(),
            postal_code: "0151".into(),
            postal_place: "Oslo".into(),
            country: "NO".into(),
            ..Default::default()
        },
        lines: vec![Line {
            row: 2,
            line_id: "sub-001".into(),
            item_id: None,
            description: "Monthly subscription - Premium".into(),
            quantity: Decimal::ONE,
            amount: 29900,
            vat: VatRate::from_hundredths(2500),
            vat_amount: 5980,
        }],
        amount: 29900,
        vat_amount: 5980,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn example() -> Invoice {
        documented_example("inv-2026-001")
    }

    #[test]
    fn matches_the_documented_b2b_example() {
        let got = serde_json::to_value(pay_request(&example())).unwrap();
        let want = serde_json::json!({
            "payment": {"payment_product_type": "kravia.invoice_b2b", "operation": "invoice_payment", "days_until_due": 30},
            "session": {"url": {"return_url": DEFAULT_RETURN_URL}, "order": {
                "amount": 29900, "currency": "NOK", "vat_amount": 5980, "merchant_reference": "inv-2026-001",
                "items": [{"description": "Monthly subscription - Premium", "quantity": 1, "amount": 29900, "vat": 25, "vat_amount": 5980, "line_id": "sub-001"}],
                "billing_address": {"first_name": "Ola", "last_name": "Nordmann", "business_name": "Nordmann AS",
                    "organization_number": "123456789", "email": "ola@nordmann.no", "phone_number": "+4799999999",
                    "address_line": "Storgata 1", "postal_code": "0151", "postal_place": "Oslo", "country": "NO"}
            }}
        });
        assert_eq!(got, want);
    }

    #[test]
    fn two_step_bodies_match_the_documented_examples() {
        let inv = example();
        let got = serde_json::to_value(session_request(&inv)).unwrap();
        let want = serde_json::json!({
            "url": {"return_url": DEFAULT_RETURN_URL},
            "order": {
                "amount": 29900, "currency": "NOK", "vat_amount": 5980, "merchant_reference": "inv-2026-001",
                "items": [{"description": "Monthly subscription - Premium", "quantity": 1, "amount": 29900, "vat": 25, "vat_amount": 5980, "line_id": "sub-001"}]
            },
            "configuration": {"kravia": {"type": "payment_type", "invoice_b2b": {
                "type": "payment_product_type", "enabled": true, "days_until_due": 30,
                "require_identity_verification": false, "invoice_channel": "kravia"
            }}}
        });
        assert_eq!(got, want);
        let got = serde_json::to_value(session_pay_request(&inv)).unwrap();
        let want = serde_json::json!({
            "payment_product_type": "kravia.invoice_b2b",
            "billing_address": {"first_name": "Ola", "last_name": "Nordmann", "business_name": "Nordmann AS",
                "organization_number": "123456789", "email": "ola@nordmann.no", "phone_number": "+4799999999",
                "address_line": "Storgata 1", "postal_code": "0151", "postal_place": "Oslo", "country": "NO"}
        });
        assert_eq!(got, want);
        let mut b2c = example();
        b2c.product = ProductType::B2c;
        b2c.days_until_due = 14;
        let got = serde_json::to_value(session_request(&b2c)).unwrap();
        assert_eq!(
            got["configuration"]["kravia"]["invoice_b2c"]["days_until_due"],
            14
        );
        b2c.product = ProductType::B2bGrouped;
        let got = serde_json::to_value(session_request(&b2c)).unwrap();
        assert!(got["configuration"]["kravia"]["invoice_b2b_grouped"]["enabled"] == true);
    }

    #[test]
    fn decimal_quantity_and_channel() {
        let mut inv = example();
        inv.lines[0].quantity = Decimal::new(15, 1);
        inv.invoice_channel = Some(InvoiceChannel::Merchant);
        let got = serde_json::to_value(pay_request(&inv)).unwrap();
        assert_eq!(
            got["session"]["order"]["items"][0]["quantity"],
            serde_json::json!(1.5)
        );
        assert_eq!(got["payment"]["invoice_channel"], "merchant");
    }

    #[test]
    fn the_default_channel_is_one_body() {
        let blank = example();
        let mut said = example();
        said.invoice_channel = Some(InvoiceChannel::Kravia);
        let a = serde_json::to_vec(&content_body(&blank)).unwrap();
        let b = serde_json::to_vec(&content_body(&said)).unwrap();
        assert_eq!(a, b);
        // ... while the legacy body (what older journals hashed) still tells them apart.
        assert_ne!(serde_json::to_vec(&legacy_content_body(&said)).unwrap(), b);
        assert_eq!(serde_json::to_vec(&legacy_content_body(&blank)).unwrap(), a);
        // The two-step configuration names the channel either way.
        let s = serde_json::to_value(session_request(&said)).unwrap();
        assert_eq!(
            s["configuration"]["kravia"]["invoice_b2b"]["invoice_channel"],
            "kravia"
        );
    }

    #[test]
    fn settings_shape_the_url_and_the_profile() {
        let inv = example();
        let settings = SessionSettings {
            callback_url: Some("https://example.com/callback".into()),
            return_url: "https://example.com/return".into(),
            profile_id: Some("default".into()),
        };
        let one = serde_json::to_value(pay_request_with(&inv, &settings)).unwrap();
        assert_eq!(
            one["session"]["url"],
            serde_json::json!({"return_url": "https://example.com/return", "callback_url": "https://example.com/callback"})
        );
        let two = serde_json::to_value(session_request_with(&inv, &settings)).unwrap();
        assert_eq!(two["profile_id"], "default");
        assert_eq!(two["url"]["callback_url"], "https://example.com/callback");
        assert_eq!(session_endpoint(&settings), "POST /v1/sessions-profile");
        // The content hash does not see the settings.
        assert!(
            serde_json::to_value(content_body(&inv)).unwrap()["session"]
                .get("url")
                .is_none()
        );
    }
}
