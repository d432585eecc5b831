import type { Workload } from '../../services/catalogue.js';

// The names a proof of execution uses for each claimed workload, in the five languages (product
// names stay in English in Microsoft's own localisations; the translated generic names are
// listed). Matching ignores case and accents, except for the names that are also common words
// ("teams", "exchange", "windows", "viva"): those count only written as a name, capitalised and
// not at the start of a sentence, or together with a product word ("Microsoft Teams").

export interface Synonym {
  term: string;
  /** Written exactly so, and not as a sentence's first word. */
  asName?: boolean;
}

const plain = (...terms: string[]): Synonym[] => terms.map((term) => ({ term }));
const asName = (...terms: string[]): Synonym[] => terms.map((term) => ({ term, asName: true }));

export const WORKLOAD_SYNONYMS: Readonly<Record<Workload, readonly Synonym[]>> = {
  Exchange: [...plain('Exchange Online', 'Microsoft Exchange', 'Exchange Server', 'Exchange Online Protection', 'MS Exchange'), ...asName('Exchange')],
  SharePoint: plain('SharePoint', 'Share Point', 'SharePoint Online'),
  Teams: [
    ...plain('Microsoft Teams', 'MS Teams', 'Teams Phone', 'Teams Rooms', 'Teams Premium', 'Teams Voice', 'Teams Calling', 'Teams Webinars'),
    ...asName('Teams'),
  ],
  Intune: plain('Intune', 'Microsoft Intune', 'Endpoint Manager', 'Microsoft Endpoint Manager'),
  'Microsoft 365 Apps': plain(
    'Microsoft 365 Apps',
    'M365 Apps',
    'Office 365 ProPlus',
    'Office 365 Pro Plus',
    'Office ProPlus',
    'aplicaciones de Microsoft 365',
    'aplicativos do Microsoft 365',
    'aplicativos Microsoft 365',
    'app di Microsoft 365',
    'app Microsoft 365',
    'Microsoft 365-appar',
    'Microsoft 365-apparna',
  ),
  Viva: [
    ...plain('Microsoft Viva', 'Viva Engage', 'Viva Connections', 'Viva Insights', 'Viva Learning', 'Viva Goals', 'Viva Topics', 'Viva Pulse', 'Viva Glint'),
  ],
  Defender: [
    ...plain(
      'Microsoft Defender',
      'Defender for Endpoint',
      'Defender for Office 365',
      'Defender for Identity',
      'Defender for Cloud Apps',
      'Defender for Business',
      'Defender XDR',
    ),
    ...asName('Defender'),
  ],
  'Entra ID P1': plain(
    'Entra ID P1',
    'Microsoft Entra ID P1',
    'Entra ID Premium P1',
    'Entra ID Plan 1',
    'Azure AD Premium P1',
    'Azure AD P1',
    'Azure Active Directory Premium P1',
    'AAD P1',
    'AAD Premium P1',
  ),
  'Entra ID P2': plain(
    'Entra ID P2',
    'Microsoft Entra ID P2',
    'Entra ID Premium P2',
    'Entra ID Plan 2',
    'Azure AD Premium P2',
    'Azure AD P2',
    'Azure Active Directory Premium P2',
    'AAD P2',
    'AAD Premium P2',
  ),
  Purview: plain('Purview', 'Microsoft Purview', 'Microsoft Information Protection', 'Compliance Center'),
  Windows: [...plain('Windows 11', 'Windows 10', 'Windows Enterprise', 'Windows 365', 'Windows Autopilot', 'Microsoft Windows'), ...asName('Windows')],
  'Dynamics 365 Sales': plain(
    'Dynamics 365 Sales',
    'Dynamics 365 for Sales',
    'D365 Sales',
    'Dynamics CRM Sales',
    'Dynamics 365 Ventas',
    'Dynamics 365 Vendas',
    'Dynamics 365 Vendite',
  ),
  'Dynamics 365 Customer Service': plain(
    'Dynamics 365 Customer Service',
    'Dynamics 365 for Customer Service',
    'D365 Customer Service',
    'Dynamics 365 Servicio al Cliente',
    'Dynamics 365 Atendimento ao Cliente',
    'Dynamics 365 Servizio Clienti',
  ),
  'Dynamics 365 Field Service': plain('Dynamics 365 Field Service', 'Dynamics 365 for Field Service', 'D365 Field Service'),
  'Dynamics 365 Finance': plain(
    'Dynamics 365 Finance',
    'D365 Finance',
    'Dynamics 365 for Finance',
    'Dynamics 365 Finance and Operations',
    'Dynamics 365 Finanzas',
    'Dynamics 365 Finanças',
  ),
  'Dynamics 365 Supply Chain Management': plain(
    'Dynamics 365 Supply Chain Management',
    'Dynamics 365 Supply Chain',
    'D365 Supply Chain Management',
    'D365 SCM',
    'Dynamics 365 Supply Chain Management (SCM)',
  ),
  'Dynamics 365 Business Central': plain('Dynamics 365 Business Central', 'D365 Business Central', 'Business Central'),
  'Power Apps': plain('Power Apps', 'PowerApps', 'Microsoft Power Apps'),
  'Power Automate': plain('Power Automate', 'Microsoft Power Automate', 'Microsoft Flow'),
  'Power BI': plain('Power BI', 'PowerBI', 'Microsoft Power BI'),
  'Power Pages': plain('Power Pages', 'Power Apps portals', 'Power Apps portal'),
  'Copilot Studio': plain('Copilot Studio', 'Microsoft Copilot Studio', 'Power Virtual Agents'),
};
