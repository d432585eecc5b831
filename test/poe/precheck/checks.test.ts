import assert from 'node:assert/strict';
import { partnerNames, runChecks } from '../../../poe/precheck/checks.js';
import { decodeEntities, xmlText } from '../../../poe/precheck/ooxml.js';
import { WORKLOAD_SYNONYMS } from '../../../poe/precheck/synonyms.js';
import { excerpt } from '../../../poe/precheck/text.js';
import { WORKLOADS, type Workload } from '../../../services/catalogue.js';
import type { Finding, PrecheckFacts } from '../../../services/precheck.js';

const facts = (workloads: Workload[], extra: Partial<PrecheckFacts> = {}): PrecheckFacts => ({
  partnerName: 'Nórthwind Traders S.A.',
  customerDomain: 'contoso.com',
  workloads,
  claimDate: '2026-04-01',
  maxDateAgeMonths: 12,
  ...extra,
});

const check = (text: string, given: PrecheckFacts, senders: string[] = []) => {
  const findings = runChecks({ units: [{ where: 'page 1', text }], senders }, given);
  return (name: Finding['check']) => findings.find((finding) => finding.check === name)!;
};

describe('PoE pre-check: the checks', () => {
  it('has synonyms for every workload of the catalogue', () => {
    for (const workload of WORKLOADS) assert.ok(WORKLOAD_SYNONYMS[workload].length > 0, workload);
  });

  it('names workloads by their synonyms, in any case and language', () => {
    const cases: [Workload, string][] = [
      ['Exchange', 'migramos los buzones a exchange online'],
      ['Entra ID P1', 'Licencias Azure AD Premium P1 configuradas'],
      ['Entra ID P2', 'with Microsoft Entra ID P2 for PIM'],
      ['Microsoft 365 Apps', 'Distribuzione di Office 365 ProPlus'],
      ['Microsoft 365 Apps', 'instalação dos aplicativos do Microsoft 365'],
      ['Microsoft 365 Apps', 'utrullning av Microsoft 365-appar'],
      ['Dynamics 365 Sales', 'D365 Sales go-live'],
      ['Power Automate', 'flujos de Power Automate'],
      ['Copilot Studio', 'bots built with Power Virtual Agents'],
      ['Teams', 'we rolled out MS Teams'],
      ['Teams', 'calls now run on Teams for all staff'],
    ];
    for (const [workload, text] of cases) {
      const products = check(text, facts([workload]))('products-named');
      assert.equal(products.found, true, `${workload} in "${text}"`);
    }
  });

  it('does not take common words for products: "teams", "exchange", a sentence-initial "Windows"', () => {
    const products = check(
      'Our teams met weekly. The exchange of data was fast. Windows were cleaned.',
      facts(['Teams', 'Exchange', 'Windows']),
    )('products-named');
    assert.equal(products.found, false);
    assert.deepEqual(products.missingWorkloads, ['Teams', 'Exchange', 'Windows']);
    assert.equal(check('Entra ID was configured', facts(['Entra ID P1']))('products-named').found, false, 'P1 is not said');
  });

  it('names the partner without accents or legal form, or by PartnerID', () => {
    assert.deepEqual(partnerNames('Northwind Traders AB'), ['Northwind Traders AB', 'Northwind Traders']);
    assert.deepEqual(partnerNames('Fabrikam, Inc.'), ['Fabrikam, Inc.', 'Fabrikam']);
    assert.equal(check('delivered by NORTHWIND TRADERS', facts([]))('partner-named').found, true);
    assert.equal(check('PartnerID: 4455667', facts([], { partnerId: '4455667' }))('partner-named').found, true);
    assert.equal(check('PartnerID: 44556678', facts([], { partnerId: '4455667' }))('partner-named').found, false);
  });

  it('names the customer by domain, its first label, tenant id or contact', () => {
    assert.equal(check('Contoso Ltd', facts([]))('customer-named').found, true);
    assert.equal(check('contosoville', facts([]))('customer-named').found, false);
    const tenant = '8f2c1a7e-0b1d-4c55-9a3e-1b2c3d4e5f60';
    assert.equal(check(`tenant ${tenant}`, facts([], { customerDomain: undefined, customerTenantId: tenant }))('customer-named').found, true);
    assert.equal(
      check('Ana Pérez', facts([], { customerDomain: undefined, customerContact: { name: 'Ana Perez', email: 'ana@x.com' } }))('customer-named').found,
      true,
    );
  });

  it('reads a signature or an acceptance, but not its negation; an e-mail from the customer is one', () => {
    assert.equal(check('Underskrift: Anna', facts([]))('customer-acknowledgement').found, true);
    assert.equal(check('Projeto aprovado pelo cliente', facts([]))('customer-acknowledgement').found, true);
    assert.equal(check('The plan was not approved', facts([]))('customer-acknowledgement').found, false);
    assert.equal(check('Leveransen är inte godkänd', facts([]))('customer-acknowledgement').found, false);
    const fromCustomer = check('thanks', facts([]), ['it@eu.contoso.com'])('customer-acknowledgement');
    assert.deepEqual(fromCustomer.evidence, [{ quote: 'From: it@eu.contoso.com', where: 'message' }]);
    assert.equal(check('thanks', facts([]), ['it@notcontoso.com'])('customer-acknowledgement').found, false);
  });

  it('judges the latest date against the claim: not after it (a week of tolerance), not older than the policy', () => {
    const dates = (text: string) => check(text, facts([]))('dates');
    assert.deepEqual(
      { ...dates('2026-03-01 and 2025-01-01'), evidence: [] },
      { check: 'dates', found: true, evidence: [], latestDate: '2026-03-01', tooOld: false },
    );
    assert.equal(dates('2026-04-07').latestDate, '2026-04-07');
    assert.equal(dates('2026-05-01').found, false, 'only a date after the claim');
    assert.equal(dates('2025-03-31').tooOld, true);
    assert.equal(dates('2025-04-01').tooOld, false);
    assert.equal(dates('no date').found, false);
  });

  it('finds work words in the five languages', () => {
    for (const text of ['We migrated mailboxes', 'Implementación completada', 'Implantação concluída', 'Formazione degli utenti', 'Driftsättning klar']) {
      assert.equal(check(text, facts([]))('partner-work-described').found, true, text);
    }
    assert.equal(check('A meeting took place', facts([]))('partner-work-described').found, false);
  });

  it('quotes a trimmed excerpt of the original text', () => {
    const text = `${'word '.repeat(40)}Signed by Ana Pérez ${'tail '.repeat(40)}`;
    const quote = excerpt(text, text.indexOf('Signed'), text.indexOf('Signed') + 9);
    assert.match(quote, /^….*Signed by Ana Pérez.*…$/);
    assert.ok(quote.length < 160);
  });

  it('takes Office XML text with paragraphs and entities', () => {
    assert.equal(decodeEntities('a &amp; b &lt;c&gt; &#233; &#xE7;'), 'a & b <c> é ç');
    assert.equal(
      xmlText(
        '<w:p><w:r><w:t>Hel</w:t></w:r><w:r><w:t xml:space="preserve">lo </w:t></w:r><w:tab/><w:r><w:t>x</w:t></w:r></w:p><w:p><w:r><w:t>&amp;</w:t></w:r></w:p>',
        'w',
      ),
      'Hello \tx\n&\n',
    );
  });
});
